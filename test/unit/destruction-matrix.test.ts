// Which destruction method fits which medium, and each medium's level (issue "the front desk in
// daily use", item 6): NIST SP 800-88's media tables and the DIN 66399 / ISO/IEC 21964 material
// classes. One test per cell of the method × kind matrix.
import { describe, expect, it } from 'vitest';
import { DESTRUCTION_METHODS, levelFits, mediaLevelViolations, METHOD_FITS, type DestructionMethod } from '../../server/destructions/rules.js';
import { MEDIA_KINDS, type MediaKind } from '../../server/media/rules.js';

/** The expected matrix, written out: true = the method sanitises the kind. */
const EXPECTED: Record<DestructionMethod, Record<MediaKind, boolean>> = {
  // Shredding, physical destruction (crush, drill, pulverise) and incineration destroy any medium.
  shred: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  physical: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  incinerate: { paper: true, usb: true, ssd: true, hdd: true, optical: true, tape: true, other: true },
  // Overwriting / sanitise commands: not paper, not a written optical disc.
  wipe: { paper: false, usb: true, ssd: true, hdd: true, optical: false, tape: true, other: true },
  // Degaussing only sanitises magnetic media: not flash (USB, SSD), optical or paper.
  degauss: { paper: false, usb: false, ssd: false, hdd: true, optical: false, tape: true, other: true },
};

describe('method × kind of medium (NIST SP 800-88)', () => {
  for (const method of DESTRUCTION_METHODS) {
    for (const kind of MEDIA_KINDS) {
      it(`${method} ${EXPECTED[method][kind] ? 'fits' : 'does not fit'} ${kind}`, () => {
        expect(METHOD_FITS[method][kind]).toBe(EXPECTED[method][kind]);
        const { details } = mediaLevelViolations([{ id: 'm1', label: 'M-1', kind }], { method, securityLevel: method === 'shred' || method === 'physical' ? { paper: 'P-4', usb: 'E-3', ssd: 'E-3', hdd: 'H-5', optical: 'O-4', tape: 'T-4', other: 'E-3' }[kind] : undefined });
        expect(details.some((d) => d.code === 'method_unfit')).toBe(!EXPECTED[method][kind]);
      });
    }
  }
});

describe('security levels and material classes (DIN 66399)', () => {
  it('a level fits the class of its medium; other media take any class', () => {
    expect(levelFits('P-4', 'paper')).toBe(true);
    expect(levelFits('E-3', 'usb')).toBe(true);
    expect(levelFits('E-3', 'ssd')).toBe(true);
    expect(levelFits('H-5', 'hdd')).toBe(true);
    expect(levelFits('O-3', 'optical')).toBe(true);
    expect(levelFits('T-4', 'tape')).toBe(true);
    expect(levelFits('F-2', 'other')).toBe(true);
    for (const [level, kind] of [['P-4', 'usb'], ['H-5', 'ssd'], ['E-3', 'hdd'], ['P-4', 'optical'], ['E-2', 'paper'], ['O-3', 'tape']] as const) expect(levelFits(level, kind), `${level} ${kind}`).toBe(false);
  });

  it('one level for media of one class; different classes give their levels one by one', () => {
    const usb = { id: 'u', label: 'USB-1', kind: 'usb' as const };
    const hdd = { id: 'h', label: 'HDD-1', kind: 'hdd' as const };
    expect(mediaLevelViolations([usb, { ...usb, id: 'u2', label: 'USB-2' }], { method: 'shred', securityLevel: 'E-3' }).details).toEqual([]);
    const mixed = mediaLevelViolations([usb, hdd], { method: 'shred', securityLevel: 'E-3' });
    expect(mixed.details).toEqual([expect.objectContaining({ field: 'body.securityLevel', code: 'level_unfit', message: expect.stringContaining('HDD-1') })]);
    const each = mediaLevelViolations([usb, hdd], { method: 'physical', levels: [{ mediumId: 'u', securityLevel: 'E-3' }, { mediumId: 'h', securityLevel: 'H-5' }] });
    expect(each.details).toEqual([]);
    expect([...each.levels]).toEqual([['u', 'E-3'], ['h', 'H-5']]);
    // A levels entry for a medium not in the destruction, a wrong level at its entry, a medium left without one.
    expect(mediaLevelViolations([usb], { method: 'shred', securityLevel: 'E-3', levels: [{ mediumId: 'x', securityLevel: 'E-3' }] }).details).toEqual([expect.objectContaining({ field: 'body.levels.0.mediumId', code: 'unknown_medium' })]);
    expect(mediaLevelViolations([usb, hdd], { method: 'shred', levels: [{ mediumId: 'u', securityLevel: 'H-5' }, { mediumId: 'h', securityLevel: 'H-5' }] }).details).toEqual([expect.objectContaining({ field: 'body.levels.0.securityLevel', code: 'level_unfit', message: expect.stringContaining('USB-1') })]);
    expect(mediaLevelViolations([usb, hdd], { method: 'shred', levels: [{ mediumId: 'u', securityLevel: 'E-3' }] }).details).toEqual([expect.objectContaining({ field: 'body.mediaIds.1', code: 'security_level_required' })]);
  });
});
