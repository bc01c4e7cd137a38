import { describe, it, expect } from 'vitest';
import { MIN_PASSWORD_LENGTH, passwordPolicyViolations, type PasswordContext } from '../../server/auth/password-policy.js';

const GOOD = 'Kx7#mQ2$vL';

function codes(password: string, ctx: PasswordContext = {}): string[] {
  return passwordPolicyViolations(password, ctx).map((d) => d.code);
}

const FULL_CTX: PasswordContext = {
  username: 'tanaka',
  personName: 'Taro Yamada',
  orgName: 'Sample Corp',
  phone: '03-9174-6285',
  birthday: '1985-04-12',
};

describe('passwordPolicyViolations (E3.11 c–e)', () => {
  it('accepts a good password, with and without context', () => {
    expect(passwordPolicyViolations(GOOD, {})).toEqual([]);
    expect(passwordPolicyViolations(GOOD, FULL_CTX)).toEqual([]);
    expect(passwordPolicyViolations(GOOD, { username: null, personName: null, orgName: null, phone: null, birthday: null })).toEqual([]);
    expect(passwordPolicyViolations(GOOD, { username: '', personName: '', orgName: '', phone: '', birthday: '' })).toEqual([]);
  });

  it('returns { field, code, message } with a default and a custom field, never echoing the password', () => {
    const [d] = passwordPolicyViolations('Kx7#mQ2', {});
    expect(d).toEqual({ field: 'newPassword', code: 'too_short', message: expect.any(String) });
    expect(d?.message).toMatch(/8 characters/);
    expect(passwordPolicyViolations('Kx7#mQ2', {}, 'password')[0]?.field).toBe('password');
    for (const detail of passwordPolicyViolations('yamada1985', FULL_CTX)) {
      expect(detail.message.length).toBeGreaterThan(10);
      expect(detail.message).not.toContain('yamada1985');
    }
  });

  describe('too_short (c)', () => {
    it('rejects 7 characters and accepts exactly 8', () => {
      expect(MIN_PASSWORD_LENGTH).toBe(8);
      expect(codes('Kx7#mQ2')).toEqual(['too_short']);
      expect(codes('Kx7#mQ2$')).toEqual([]);
      expect(codes('')).toEqual(['too_short']);
    });
    it('counts code points: a surrogate-pair emoji is one character', () => {
      expect('Kx7#😀Q2'.length).toBe(8); // 8 UTF-16 units, 7 characters
      expect(codes('Kx7#😀Q2')).toEqual(['too_short']);
      expect(codes('Kx7#😀Q2$')).toEqual([]);
    });
  });

  describe('contains_username (d)', () => {
    it('rejects the user name, case-insensitively', () => {
      expect(codes('Q7#Tanaka!', { username: 'tanaka' })).toEqual(['contains_username']);
      expect(codes('Q7#TANAKA!', { username: 'Tanaka' })).toEqual(['contains_username']);
      expect(codes('Q7#ｔａｎａｋａ!', { username: 'tanaka' })).toEqual(['contains_username']); // full-width
    });
    it('ignores user names shorter than 3 characters', () => {
      expect(codes('ab#7Kx9$Q', { username: 'ab' })).toEqual([]);
    });
  });

  describe('contains_name (d)', () => {
    it('rejects any Latin part of the name, case-insensitively', () => {
      expect(codes('yamada#7Q', { personName: 'Taro Yamada' })).toEqual(['contains_name']);
      expect(codes('Q7#TARO!k', { personName: 'Taro Yamada' })).toEqual(['contains_name']);
      expect(codes('Q7#ＹＡＭＡＤＡ', { personName: 'Taro Yamada' })).toEqual(['contains_name']);
      expect(codes('Q7#smith!k', { personName: 'Mary-Jane.Smith_Jr' })).toEqual(['contains_name']);
    });
    it('ignores Latin parts shorter than 3 characters', () => {
      expect(codes('Li#Wu7Kx9', { personName: 'Li Wu' })).toEqual([]);
    });
    it('rejects Japanese parts of 2+ characters, whatever the separator', () => {
      for (const personName of ['山田 太郎', '山田　太郎', '山田・太郎']) {
        expect(codes('Kx7#山田Q2', { personName })).toEqual(['contains_name']);
        expect(codes('Kx7#太郎Q2', { personName })).toEqual(['contains_name']);
      }
      expect(codes('Kx7#太Q2$', { personName: '山田 太郎' })).toEqual([]);
      expect(codes('Kx7#田太Q2', { personName: '山田 太郎' })).toEqual([]);
    });
    it('treats katakana and hiragana alike, and half-width kana via NFKC', () => {
      expect(codes('やまだ#7Kxq', { personName: 'ヤマダ タロウ' })).toEqual(['contains_name']);
      expect(codes('ﾀﾛｳ#7Kxq', { personName: 'やまだ たろう' })).toEqual(['contains_name']);
    });
  });

  describe('contains_organisation (d)', () => {
    it('rejects the Japanese organisation name without its designator', () => {
      for (const orgName of ['株式会社サンプル', 'サンプル株式会社', '(株)サンプル', '（株）サンプル', '㈱サンプル']) {
        expect(codes('サンプル#7Kx', { orgName })).toEqual(['contains_organisation']);
        expect(codes('株式会社#7Kx', { orgName })).toEqual([]);
      }
    });
    it('rejects meaningful Latin parts and ignores designators and short parts', () => {
      expect(codes('SAMPLE#7Kx', { orgName: 'Sample Corp' })).toEqual(['contains_organisation']);
      expect(codes('Corp#7Kx9Q', { orgName: 'Sample Corp' })).toEqual([]);
      expect(codes('Ltd#7Kx9Q2', { orgName: 'Sample Co., Ltd.' })).toEqual([]);
      expect(codes('Q7#sample!', { orgName: 'Sample Co., Ltd.' })).toEqual(['contains_organisation']);
      expect(codes('Inc#LLC7Kx', { orgName: 'Acme Holdings Inc' })).toEqual([]);
      expect(codes('Q7#holdings', { orgName: 'Acme Holdings Inc' })).toEqual(['contains_organisation']);
      expect(codes('Q7#AB#kxLm', { orgName: 'AB KK' })).toEqual([]);
    });
  });

  describe('contains_phone (d)', () => {
    it('rejects 4+ consecutive digits of the phone number, whatever its format', () => {
      expect(codes('Kx#7462Q!', { phone: '03-9174-6285' })).toEqual(['contains_phone']);
      expect(codes('Kx#0391Q!', { phone: '(03) 9174 6285' })).toEqual(['contains_phone']);
      expect(codes('Kx#3174Q!', { phone: '+81 90 3174 6285' })).toEqual(['contains_phone']);
      expect(codes('Kx#７４６２Q!', { phone: '03-9174-6285' })).toEqual(['contains_phone']); // full-width
    });
    it('also knows the domestic form of a +81 number', () => {
      expect(codes('Kx#0903Q!', { phone: '+81 90 3174 6285' })).toEqual(['contains_phone']);
    });
    it('accepts 3 digits, or digits broken up by other characters', () => {
      expect(codes('Kx#917Q!m', { phone: '03-9174-6285' })).toEqual([]);
      expect(codes('Kx74a62#Q', { phone: '03-9174-6285' })).toEqual([]);
      expect(codes('Kx#5520Q!', { phone: '03-9174-6285' })).toEqual([]);
    });
  });

  describe('contains_birthday (d)', () => {
    const ctx = { birthday: '1985-04-12' };
    it.each([
      'Kx#19850412', 'Kx#850412!', 'Kx#0412Q!', 'Kx#1204Q!', 'Kx#1985Q!',
      'Kx#1985-04-12', 'Kx#1985/04/12', 'Kx#85/04/12', 'Kx#85.04.12', 'Kx#04.12Q!', 'Kx#04-12Q!', 'Kx#12/04Q!',
      'Kx#12/04/1985',
    ])('rejects %s', (password) => {
      expect(codes(password, ctx)).toEqual(['contains_birthday']);
    });
    it('accepts unrelated dates and ignores a malformed birthday', () => {
      expect(codes('Kx#0413Q!', ctx)).toEqual([]);
      expect(codes('Kx#0412Q!', { birthday: '12/04/1985' })).toEqual([]);
    });
  });

  describe('repeated_characters (e)', () => {
    it('rejects a run of 3 identical characters, case-insensitively', () => {
      expect(codes('Kx7#aaaQ2')).toEqual(['repeated_characters']);
      expect(codes('Kx7#aAaQ2')).toEqual(['repeated_characters']);
      expect(codes('Kx#111Qm!')).toEqual(['repeated_characters']);
      expect(codes('Kx7#!!!Q2')).toEqual(['repeated_characters']);
    });
    it('accepts a run of 2', () => {
      expect(codes('Kx7#aaQ2$')).toEqual([]);
    });
  });

  describe('sequential_characters (e)', () => {
    it.each(['Kx#123Qm!', 'Kx#987Qm!', 'Kx#abcQ7!', 'Kx#CBAQ7!', 'Kx#xyzQ7!', 'Kx#aBcQ7!', 'Kx#ＡＢＣQ7!'])('rejects %s', (password) => {
      expect(codes(password)).toEqual(['sequential_characters']);
    });
    it('does not wrap around and needs 3 of one kind', () => {
      expect(codes('Kx#890Qm!')).toEqual([]);
      expect(codes('Kx#zabQ7!')).toEqual([]);
      expect(codes('Kx#135Qm!')).toEqual([]);
      expect(codes('Kx#ab1Qm!')).toEqual([]);
      expect(codes('Kx#12Qm!4')).toEqual([]);
    });
  });

  describe('letters_only (e)', () => {
    it('rejects letters only, in any script', () => {
      expect(codes('Mqkvzrtpl')).toEqual(['letters_only']);
      expect(codes('やまかわみずうみ')).toEqual(['letters_only']);
      expect(codes('Ωψδλκμνξ')).toEqual(['letters_only']);
    });
    it('accepts letters with a digit or symbol', () => {
      expect(codes('Mqkvzrtp7')).toEqual([]);
      expect(codes('Mqkvzrtp!')).toEqual([]);
    });
  });

  describe('several rules at once', () => {
    it('reports every broken rule', () => {
      expect(codes('aaa123')).toEqual(['too_short', 'repeated_characters', 'sequential_characters']);
      expect(codes('abcdef')).toEqual(['too_short', 'sequential_characters', 'letters_only']);
      expect(codes('yamada1985', FULL_CTX)).toEqual(['contains_name', 'contains_birthday']);
      expect(codes('tanaka@sample9174', FULL_CTX)).toEqual(['contains_username', 'contains_organisation', 'contains_phone']);
      expect(codes('山田サンプル', { personName: '山田 太郎', orgName: '株式会社サンプル' })).toEqual([
        'too_short',
        'contains_name',
        'contains_organisation',
        'letters_only',
      ]);
    });
  });
});
