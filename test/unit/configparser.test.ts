/**
 * common/configparser.ts: INI text read as Python's configparser reads it by default, and updates
 * that keep everything else. Tables of cases; when python3 is on the PATH, the reading cases are
 * also checked against the real configparser.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  ConfigParserError,
  checkIniValue,
  iniGet,
  iniProblems,
  parseConfigParser,
  readIni,
  setIniValues,
} from '../../common/configparser.js';

const asObject = (text: string) => {
  const doc = readIni(text);
  return {
    sections: Object.fromEntries([...doc.sections].map(([n, o]) => [n, Object.fromEntries(o)])),
    defaults: Object.fromEntries(doc.defaults),
  };
};

/** [what it shows, text, sections as configparser reads them]. */
const READS: [string, string, Record<string, Record<string, string>>][] = [
  [
    'key = value and key: value; keys lower-cased; values stripped',
    '[s]\nA = 1\nb:  two words  \nC=3\n',
    { s: { a: '1', b: 'two words', c: '3' } },
  ],
  [
    'the first = or : splits key from value',
    '[s]\nurl = http://h:1/p?a=b\nk: v = w\n',
    { s: { url: 'http://h:1/p?a=b', k: 'v = w' } },
  ],
  [
    'no inline comments: ; and # after a value belong to it',
    '[general]\nbands = i ; # all if using all bands\npw = s3;x#y\n',
    { general: { bands: 'i ; # all if using all bands', pw: 's3;x#y' } },
  ],
  [
    'whole-line comments with # or ;, indented too',
    '# top\n; top\n[s]\n  # indented comment\nk = v\n',
    { s: { k: 'v' } },
  ],
  ['a deeper-indented line continues the value', '[s]\nk = a\n  b\n\tc\nn = 1\n', { s: { k: 'a\nb\nc', n: '1' } }],
  [
    'blank lines inside a value are kept, trailing ones dropped',
    '[s]\nk = a\n\n  b\n\n\nn = 1\n',
    { s: { k: 'a\n\nb', n: '1' } },
  ],
  ['a comment neither ends nor joins a value', '[s]\nk = a\n# note\n  b\n', { s: { k: 'a\nb' } }],
  [
    'continuation is relative to the option line: same indent is a new option',
    '[s]\n  k = a\n  n = b\n    c\n',
    { s: { k: 'a', n: 'b\nc' } },
  ],
  ['an indented line after a header is an option, not a continuation', '[s]\n  k = a\n', { s: { k: 'a' } }],
  [
    'a section header is [ … ] at the start of the stripped line; the rest is ignored',
    '[a] trailing\nk = 1\n[c]\n  [b]  \nk = 2\n',
    { a: { k: '1' }, c: {}, b: { k: '2' } },
  ],
  ['an indented [x] under an option is part of its value', '[a]\nk = 1\n  [b]\n', { a: { k: '1\n[b]' } }],
  [
    'section names are kept as written, case and spaces included',
    '[ General ]\nk = 1\n[general]\nk = 2\n',
    { ' General ': { k: '1' }, general: { k: '2' } },
  ],
  ['an empty value', '[s]\nk =\nj:\n', { s: { k: '', j: '' } }],
  ['CRLF and lone CR line ends', '[s]\r\nk = 1\r\nj = 2\rm = 3', { s: { k: '1', j: '2', m: '3' } }],
  ['quotes are kept', '[s]\nk = "quoted"\n', { s: { k: '"quoted"' } }],
];

for (const [what, text, sections] of READS) {
  test(`reads like configparser: ${what}`, () => {
    assert.deepEqual(asObject(text).sections, sections);
  });
}

test('[DEFAULT] is read apart and seen by every section', () => {
  const doc = readIni('[DEFAULT]\nroot = /pnfs\n[general]\nseason = 1\n');
  assert.deepEqual(Object.fromEntries(doc.defaults), { root: '/pnfs' });
  assert.equal(iniGet(doc, 'general', 'root'), '/pnfs');
  assert.equal(iniGet(doc, 'general', 'SEASON'), '1', 'keys are matched case-insensitively');
  assert.equal(iniGet(doc, 'nosuch', 'root'), '/pnfs');
  assert.equal(iniGet(doc, 'general', 'absent'), undefined);
});

const PROBLEMS: [string, string, number, string][] = [
  ['an option before any section', 'k = v\n[s]\n', 1, 'missing-section-header'],
  ['a repeated section', '[s]\nk = 1\n[t]\n[s]\n', 4, 'duplicate-section'],
  ['a key set twice in a section (case-insensitively)', '[s]\nKey = 1\nkey = 2\n', 3, 'duplicate-option'],
  ['a line that is not key = value', '[s]\njust words\n', 2, 'no-delimiter'],
  ['a key without a name', '[s]\n= v\n', 2, 'empty-option-name'],
];
for (const [what, text, line, kind] of PROBLEMS) {
  test(`refuses, naming the line and the kind of problem: ${what}`, () => {
    assert.deepEqual(iniProblems(text)[0], { line, kind });
    assert.throws(
      () => readIni(text),
      (err: unknown) =>
        err instanceof ConfigParserError &&
        err.line === line &&
        err.kind === kind &&
        new RegExp(`^line ${line}: `).test(err.message),
    );
  });
}

test('error messages never echo the file content', () => {
  const secret = 'hunter2-secret';
  for (const text of [`${secret} = 1\n`, `[s]\n${secret}\n`, `[s]\npasswd = ${secret}\npasswd = ${secret}\n`]) {
    assert.throws(
      () => readIni(text),
      (err: unknown) => err instanceof Error && !err.message.includes(secret) && !err.message.includes('passwd'),
    );
  }
});

test('parseConfigParser (easyaccess credentials) reads leniently, a repeated key keeps the later value', () => {
  assert.deepEqual(parseConfigParser('junk\n[db-dessci]\nuser = a\nuser = b\nbad line\n'), {
    'db-dessci': { user: 'b' },
  });
  assert.deepEqual(parseConfigParser('[DEFAULT]\nx = 1\n[s]\ny = 2\n'), { DEFAULT: { x: '1' }, s: { y: '2' } });
});

const TEMPLATE = `[general]
season = 416
ligoid = GW170814
exposures_listfile = /data/old.list ;
#/data/commented/out.list
bands = i ; # all if using all bands
GoodSNIDs = x

[plots]
mlscore_cut = 0.7
`;

test('setIniValues replaces values in place and keeps every other line byte for byte', () => {
  const out = setIniValues(TEMPLATE, 'general', [
    ['season', '1550'],
    ['bands', 'i,z'],
    ['exposures_listfile', 'complete.list'],
  ]);
  assert.equal(
    out,
    TEMPLATE.replace('season = 416', 'season = 1550')
      .replace('bands = i ; # all if using all bands', 'bands = i,z')
      .replace('exposures_listfile = /data/old.list ;', 'exposures_listfile = complete.list'),
  );
  assert.equal(iniGet(readIni(out), 'general', 'bands'), 'i,z');
});

test('setIniValues keeps the key as spelt, its indentation and delimiter; matches keys case-insensitively', () => {
  assert.equal(setIniValues('[s]\n  GoodSNIDs:   old\n', 's', [['goodsnids', 'new']]), '[s]\n  GoodSNIDs:   new\n');
  assert.equal(setIniValues('[s]\nformat= snana\n', 's', [['format', 'x']]), '[s]\nformat= x\n');
  assert.equal(setIniValues('[s]\nk = v\n', 's', [['k', '']]), '[s]\nk =\n');
});

test('setIniValues drops the continuation lines of a replaced value, keeping comments and blanks among them', () => {
  assert.equal(
    setIniValues('[s]\nk = a\n  b\n# note\n\n  c\nn = 1\n', 's', [['k', 'z']]),
    '[s]\nk = z\n# note\n\nn = 1\n',
  );
});

test("setIniValues adds a missing key after the section's last option, and a missing section at the end", () => {
  assert.equal(
    setIniValues('[a]\nx = 1\n  more\n\n[b]\ny = 2\n', 'a', [['new', 'v']]),
    '[a]\nx = 1\n  more\nnew = v\n\n[b]\ny = 2\n',
  );
  assert.equal(setIniValues('[a]\n\n[b]\n', 'a', [['k', 'v']]), '[a]\nk = v\n\n[b]\n');
  assert.equal(setIniValues('[a]\nx = 1', 'c', [['k', 'v']]), '[a]\nx = 1\n\n[c]\nk = v\n');
  assert.equal(
    setIniValues('[a]\r\nx = 1\r\n', 'a', [['k', 'v']]),
    '[a]\r\nx = 1\r\nk = v\r\n',
    "the file's line ends",
  );
});

const BAD_VALUES: [string, string, RegExp][] = [
  ['a line break', 'a\nb', /\[general\] outdir: the value holds a line break/],
  ['a carriage return', 'a\rb', /line break or control character/],
  ['surrounding whitespace', ' a', /starts or ends with whitespace/],
  ['% (interpolation)', '100%', /holds %, which configparser's interpolation/],
  ['an interpolation reference', '%(rootdir)s/x', /holds %/],
  ['an inline comment for Python 2', 'i ; note', /; at its start or after a space/],
  ['a leading ;', ';x', /; at its start/],
];
for (const [what, value, message] of BAD_VALUES) {
  test(`setIniValues refuses a value configparser would not read back: ${what}`, () => {
    assert.throws(() => setIniValues(TEMPLATE, 'general', [['outdir', value]]), message);
    assert.throws(() => checkIniValue('general', 'outdir', value), message);
  });
}

test('setIniValues refuses bad keys, a key given twice, and a text that does not read cleanly', () => {
  assert.throws(() => setIniValues(TEMPLATE, 'general', [['a=b', 'v']]), /a key must be/);
  assert.throws(
    () =>
      setIniValues(TEMPLATE, 'general', [
        ['k', '1'],
        ['K', '2'],
      ]),
    /given twice/,
  );
  assert.throws(() => setIniValues('[s]\nk = 1\nk = 2\n', 's', [['j', 'v']]), /line 3: an option set twice/);
});

test('setIniValues refuses when the result would not read back as intended', () => {
  // A new key in an empty section, followed by an indented header that would become its continuation.
  assert.throws(() => setIniValues('[a]\n  [b]\nk = 1\n', 'a', [['new', 'v']]), /would not read back as intended/);
});

// --- against the real configparser ------------------------------------------------------
const python = (() => {
  try {
    execFileSync('python3', ['-c', 'import configparser'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const PY = `
import configparser, io, json, sys
texts = json.load(sys.stdin)
out = []
for t in texts:
    c = configparser.ConfigParser(interpolation=None)
    try:
        c.read_file(io.StringIO(t, newline=None))  # universal newlines, as config.read(file) does
        out.append({"sections": {s: dict(c.items(s, raw=True)) for s in c.sections()}, "defaults": dict(c.defaults())})
    except configparser.Error as e:
        out.append({"error": type(e).__name__, "line": getattr(e, "lineno", None)})
print(json.dumps(out))
`;

test("python3's configparser reads every case the same way", { skip: !python && 'python3 is not installed' }, () => {
  const texts = [
    ...READS.map((r) => r[1]),
    TEMPLATE,
    setIniValues(TEMPLATE, 'general', [
      ['season', '1550'],
      ['bands', 'i,z'],
      ['new', 'v'],
    ]),
    '[DEFAULT]\nroot = /p\n[g]\ns = 1\n',
  ];
  const got = JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify(texts) }).toString()) as {
    sections: Record<string, Record<string, string>>;
    defaults: Record<string, string>;
  }[];
  texts.forEach((t, i) => {
    const ours = asObject(t);
    // items(section) includes DEFAULT's keys, as configparser's view of a section does.
    const merged = Object.fromEntries(Object.entries(ours.sections).map(([n, o]) => [n, { ...ours.defaults, ...o }]));
    assert.deepEqual(got[i], { sections: merged, defaults: ours.defaults }, `case ${i}: ${JSON.stringify(t)}`);
  });
  const errors = JSON.parse(
    execFileSync('python3', ['-c', PY], { input: JSON.stringify(PROBLEMS.map((p) => p[1])) }).toString(),
  ) as { error: string }[];
  assert.deepEqual(
    errors.map((e) => e.error),
    ['MissingSectionHeaderError', 'DuplicateSectionError', 'DuplicateOptionError', 'ParsingError', 'ParsingError'],
  );
});
