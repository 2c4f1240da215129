"""What the user is told when something goes wrong, and the exit statuses.

Shared by the command line (``cli.py``) and the front ends, which raise these
and leave the printing to the command line: one line on stderr, no traceback.

Exit statuses of ``pcemu``:

    0 the run ended normally (window closed, stdin done, quit key)
    1 bad input: a disk image, the BIOS image, a display or terminal that cannot be used
    2 bad command line (unknown option, bad value, no disk)
    3 the guest faulted (halted with interrupts off, ...): a register dump follows
  124 --timeout expired
  130 interrupted (SIGINT, Ctrl+C); 143 terminated (SIGTERM)
"""

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_GUEST = 3
EXIT_TIMEOUT = 124
EXIT_SIGINT = 130
EXIT_SIGTERM = 143

EXIT_STATUS_HELP = ("exit status: 0 normal end, 1 bad input (image, BIOS, display), 2 bad option, "
                    "3 guest fault (register dump on stderr), 124 --timeout, 130 Ctrl+C, 143 SIGTERM")


class UsageProblem(Exception):
    """Something the user can fix (an image, a display, a terminal): one line, exit status 1."""


class TimeoutExpired(Exception):
    """The run's --timeout passed: exit status 124."""


class GuestFault(Exception):
    """The guest can no longer make progress (halted with interrupts off, reset loop...):
    ``message`` for the one line, ``dump`` the registers. Exit status 3."""

    def __init__(self, message, dump=""):
        Exception.__init__(self, message)
        self.message = message
        self.dump = dump


class Timeout(TimeoutError):
    """``Machine.run_until*`` gave up: what it waited for did not happen in time.

    ``screen`` holds the text screen at that moment; it is in the message too, since the
    screen is almost always what explains why."""

    def __init__(self, what, seconds, screen):
        TimeoutError.__init__(self, "%s did not happen within %g s; the screen:\n%s" % (what, seconds, screen))
        self.what = what
        self.seconds = seconds
        self.screen = screen
