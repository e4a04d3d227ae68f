# Runs a command on a pseudo-terminal, as a person at a terminal would: the
# child sees a TTY of COLUMNS x 30, its output is copied to our stdout, and
# after PTY_SECONDS a Ctrl-C is typed (the terminal sends SIGINT to the whole
# foreground process group). With PTY_HANGUP=1 the terminal is closed instead,
# as closing its window does (the kernel sends SIGHUP to the session).
# PTY_UNTIL (a JSON list of [regular expression, count]) types it sooner: as soon
# as the output so far matches every expression at least that many times, so a
# test waits for what it checks, with PTY_SECONDS as the upper bound.
# Exits with the child's status.
import fcntl, json, os, pty, re, select, struct, sys, termios, time

seconds = float(os.environ.get('PTY_SECONDS', '8'))
columns = int(os.environ.get('PTY_COLUMNS', '120'))
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 30, columns, 0, 0))

wanted = [(re.compile(p), n) for p, n in json.loads(os.environ.get('PTY_UNTIL', '[]'))]
seen = b''

def done():
    text = seen.decode('utf-8', 'replace')
    return bool(wanted) and all(len(p.findall(text)) >= n for p, n in wanted)

def pump(until, early=False):
    global seen
    while time.time() < until:
        if early and done():
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            if early:
                seen += data
    return True

if pump(time.time() + seconds, early=True):
    if os.environ.get('PTY_HANGUP') == '1':
        os.close(fd)
    else:
        os.write(fd, b'\x03')
        pump(time.time() + 10)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
