// The plain rules of notices (issue 15): the wait before a retry, one-line header values, and the
// words of each notice in Japanese and English, naming only what the caller gave.
import { describe, expect, it } from 'vitest';
import { oneLine, retryDelaySeconds, ROLE_NOTICES, CONTACT_NOTICE_KINDS } from '../../server/notices/rules.js';
import { renderNotice } from '../../server/notices/templates.js';

describe('notice rules', () => {
  it('waits the base, then doubles, at most a day', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 60))).toEqual([60, 120, 240, 480]);
    expect(retryDelaySeconds(30, 60)).toBe(86_400);
  });

  it('a header value keeps no line break (header injection)', () => {
    expect(oneLine('Evil\r\nBcc: x@evil.example')).toBe('Evil Bcc: x@evil.example');
    expect(oneLine('a\u2028b\u0085c')).toBe('a b c');
  });

  it('internal kinds go to roles; contacts choose among the external ones', () => {
    expect(ROLE_NOTICES.after_hours).toEqual(['responsible']);
    expect(CONTACT_NOTICE_KINDS).not.toContain('after_hours');
  });

  it('renders each kind in both languages, with a one-line subject', () => {
    const facts = { siteName: { ja: '東京DC', en: 'Tokyo DC' }, personName: '山田\r\n花子', orgName: '株式会社テスト', reason: 'resigned' as const, effectiveAt: '2026/12/06 01:39:14', revokedBadges: 1, removedRoomAccess: 2, roles: ['staff'] };
    const ja = renderNotice({ kind: 'personnel_change', facts }, 'ja');
    expect(ja.subject).toBe('【立会い】担当者の退職のお知らせ（山田 花子）');
    expect(ja.text).toContain('役割：担当者');
    expect(ja.text).toContain('発効日時：2026/12/06 01:39:14');
    const en = renderNotice({ kind: 'personnel_change', facts: { ...facts, reason: 'transferred' } }, 'en');
    expect(en.subject).toBe('[Tachiai] Transfer of a person handling your information (山田 花子)');
    expect(en.text).toContain('Roles: staff');
    const alert = renderNotice({ kind: 'after_hours', facts: { siteName: facts.siteName, media: [{ label: 'M-1', roomName: '第1処理室', holderName: null }] } }, 'ja');
    expect(alert.subject).toBe('【立会い】利用時間後も持出し中の媒体が 1 件あります');
    expect(alert.text).toContain('・M-1（第1処理室、持出し者：不明）');
  });
});
