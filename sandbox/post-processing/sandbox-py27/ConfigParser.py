"""SANDBOX stand-in for Python 2.7's ConfigParser module, the one run_postproc.py imports, reading
as Python 2.7 reads (its RawConfigParser._read), on top of Python 3's configparser:
- an option line's value is cut at its first `;` when that `;` follows a space or tab, then
  stripped: `bands = i ; # all for every band` reads `i` (Python 3's default keeps the comment);
  only the first `;` counts (`a;b ;c` stays whole), and only on the option's own line;
- `#` is never an inline comment; whole-line comments start with `#` or `;`;
- a repeated section or option is no error (the later value wins);
- `%(name)s` is interpolated as Python 2's ConfigParser.ConfigParser does, and a lone `%` is
  left alone (Python 3's BasicInterpolation would raise);
- errors are Python 2's names: `ConfigParser.NoSectionError: No section: 'general'`.
Fails to import when state/faults/python_missing names it."""
import configparser as _py3

import _sandbox_py27

_sandbox_py27.require('ConfigParser')

DEFAULTSECT = _py3.DEFAULTSECT
MAX_INTERPOLATION_DEPTH = 10


class Error(_py3.Error):
    pass


class NoSectionError(_py3.NoSectionError):
    pass


class NoOptionError(_py3.NoOptionError):
    pass


class InterpolationDepthError(_py3.InterpolationDepthError):
    pass


def python2_value(raw):
    """An option line's value as Python 2.7 keeps it: cut at the first `;` if a space precedes it."""
    first, sep, rest = raw.partition('\n')
    pos = first.find(';')
    if pos > 0 and first[pos - 1].isspace():
        first = first[:pos]
    return (first.strip() + sep + rest).strip()


class _Python2Interpolation(_py3.Interpolation):
    """Python 2's ConfigParser.ConfigParser: `value % vars` while the value holds `%(`."""

    def before_get(self, parser, section, option, value, defaults):
        depth = MAX_INTERPOLATION_DEPTH
        while depth and value and '%(' in value:
            depth -= 1
            try:
                value = value % dict((k, v) for k, v in defaults.items())
            except KeyError as e:
                raise _py3.InterpolationMissingOptionError(option, section, value, e.args[0])
        if value and '%(' in value:
            raise InterpolationDepthError(option, section, value)
        return value


class RawConfigParser(_py3.RawConfigParser):
    _DEFAULT_INTERPOLATION = _py3.Interpolation()

    def __init__(self, defaults=None, dict_type=dict, allow_no_value=False):
        _py3.RawConfigParser.__init__(self, defaults=defaults, dict_type=dict_type, allow_no_value=allow_no_value,
                                      strict=False, empty_lines_in_values=False)

    def _read(self, fp, fpname):
        _py3.RawConfigParser._read(self, fp, fpname)
        for options in [self._defaults] + list(self._sections.values()):
            for key, value in list(options.items()):
                if isinstance(value, str):
                    options[key] = python2_value(value)

    def get(self, section, option, *args, **kwargs):
        try:
            return _py3.RawConfigParser.get(self, section, option, *args, **kwargs)
        except _py3.NoSectionError as e:
            raise NoSectionError(e.section) from None
        except _py3.NoOptionError as e:
            raise NoOptionError(e.option, e.section) from None


class ConfigParser(RawConfigParser):
    _DEFAULT_INTERPOLATION = _Python2Interpolation()


SafeConfigParser = ConfigParser
