// @ts-check
// The door's sound cues, at the front desk (door.js) and at a door station (station.js): two
// rising notes when a scan is granted, two low buzzes when it is denied, and a harsh falling
// alarm when a scan could not be recorded at all (the server cannot be reached: issue 14, item 1).
// Web Audio, no sound files. Browsers start audio only after a key or a click on the page: prime()
// is called on the reader's keystrokes.

/** @typedef {'granted' | 'denied' | 'error' | 'alarm'} Cue */

/** @type {Record<Cue, { type: OscillatorType, gain: number, notes: Array<[number, number, number]> }>} */
const CUES = {
  // [frequency Hz, start s, length s]
  granted: { type: 'sine', gain: 0.3, notes: [[880, 0, 0.12], [1320, 0.13, 0.18]] },
  denied: { type: 'square', gain: 0.12, notes: [[196, 0, 0.22], [196, 0.3, 0.3]] },
  error: { type: 'sawtooth', gain: 0.14, notes: [[660, 0, 0.14], [440, 0.16, 0.14], [660, 0.32, 0.14], [440, 0.48, 0.3]] },
  // A door alarm (issue 20): three short high beeps, repeated once.
  alarm: { type: 'square', gain: 0.14, notes: [[1568, 0, 0.1], [1568, 0.15, 0.1], [1568, 0.3, 0.1], [1568, 0.6, 0.1], [1568, 0.75, 0.1], [1568, 0.9, 0.1]] },
};

/**
 * The cues of one page; `enabled()` says whether sound is on (the desk's check box).
 * @param {() => boolean} [enabled]
 */
export function createSound(enabled = () => true) {
  /** @type {AudioContext | null} */
  let audio = null;

  /** Creates (or resumes) the audio output; call it on a key or click, when browsers allow it. */
  function prime() {
    if (!enabled()) return;
    try {
      audio ??= new AudioContext();
      if (audio.state === 'suspended') void audio.resume();
    } catch {
      audio = null;
    }
  }

  /** @param {Cue} kind */
  function cue(kind) {
    if (!enabled() || !audio) return;
    const { type, gain: peak, notes } = CUES[kind];
    try {
      for (const [freq, at, length] of notes) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = type;
        osc.frequency.value = freq;
        const t0 = audio.currentTime + at;
        gain.gain.setValueAtTime(0.0001, t0);
        gain.gain.exponentialRampToValueAtTime(peak, t0 + 0.015);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + length);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0);
        osc.stop(t0 + length + 0.02);
      }
    } catch {
      // no audio output: the screen says it all
    }
  }

  return { prime, cue };
}
