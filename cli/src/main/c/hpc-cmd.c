/*
 * hpc-cmd: the client of the user's command server (cli CommandServer, docs/commands.md), built when the
 * build finds a C compiler. Two ways to run it:
 *
 *   hpc-cmd SOCKET PID CWD ARGC ARGS... JVM...
 *     bin/hpc, in place of its Perl client, once it has checked that the state file is this user's and names
 *     a live server: the call through the server or, when nothing could be asked, the JVM as bin/hpc would
 *     have run it. It does what the Perl client does, line for line, and saves the start of an interpreter.
 *   qstat ARGS... (cli/target/bin/qstat and the other per-job commands, links to this file)
 *     bin/hpc's checks too, so that a call starts this program alone instead of bash and then a client;
 *     whatever does not hold goes to bin/hpc.
 *
 * Trust: the kernel must say that the server runs as this same user (SO_PEERCRED), and the server must
 * greet first; until both hold nothing is sent, and the command runs in a JVM of its own instead. Once the
 * call is sent it is never made again by this client: a submission must not happen twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAGIC "HPC-CMD-3\n"
#define GREETING_WAIT_MS 3000
#define LINE_MAX_BYTES 64

extern char **environ;

static char **call_args;
static int call_argc;
static char **jvm;
static int jvm_argc;
static const char *server_pid;

/* Runs the command in a JVM of its own, with `argv` (count `argc`) after the JVM's own arguments. */
_Noreturn static void run_in_jvm(char **argv, int argc) {
    char **v = calloc((size_t) jvm_argc + (size_t) argc + 1, sizeof *v);
    if (v == NULL) {
        fputs("hpc: out of memory\n", stderr);
        _exit(127);
    }
    memcpy(v, jvm, (size_t) jvm_argc * sizeof *v);
    memcpy(v + jvm_argc, argv, (size_t) argc * sizeof *v);
    execvp(v[0], v);
    fprintf(stderr, "hpc: %s: %s\n", v[0], strerror(errno));
    _exit(127);
}

_Noreturn static void by_itself(void) {
    run_in_jvm(call_args, call_argc);
}

_Noreturn static void lost(const char *what) {
    fprintf(stderr, "%s: the command server (pid %s) %s; it may or may not have been carried out: check with "
            "qstat before repeating it, or set HPC_NO_SERVER=1\n", call_args[0], server_pid, what);
    exit(1);
}

/* Writes all of `len` bytes, going on after interrupted and partial writes; 0 when the writer went away. */
static int put(int fd, const char *b, size_t len) {
    while (len > 0) {
        ssize_t w = write(fd, b, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return 0;
        }
        b += w;
        len -= (size_t) w;
    }
    return 1;
}

/* The server's answer, read through a buffer: lines of the protocol and the byte counts they announce. */
static int sock = -1;
static char rbuf[65536];
static size_t rpos, rlen;

static int fill(void) {
    for (;;) {
        ssize_t r = read(sock, rbuf, sizeof rbuf);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return 0;
        }
        rpos = 0;
        rlen = (size_t) r;
        return 1;
    }
}

/* One line with its newline, at most LINE_MAX_BYTES; "" at the end of the stream, as Perl's <$s> // "". */
static const char *read_line(void) {
    static char line[LINE_MAX_BYTES + 1];
    size_t n = 0;
    while (n < LINE_MAX_BYTES) {
        if (rpos == rlen && !fill()) {
            break;
        }
        char c = rbuf[rpos++];
        line[n++] = c;
        if (c == '\n') {
            break;
        }
    }
    line[n] = '\0';
    return line;
}

/* Reads exactly `len` bytes into `out`; 0 when the stream ended first. */
static int read_exactly(char *out, size_t len) {
    while (len > 0) {
        if (rpos == rlen && !fill()) {
            return 0;
        }
        size_t take = rlen - rpos < len ? rlen - rpos : len;
        memcpy(out, rbuf + rpos, take);
        rpos += take;
        out += take;
        len -= take;
    }
    return 1;
}

/* Whether `line` is exactly "<word> <digits>\n"; its number in *value. */
static int numbered(const char *line, const char *word, unsigned long long *value) {
    size_t w = strlen(word);
    if (strncmp(line, word, w) != 0 || line[w] != ' ') {
        return 0;
    }
    const char *p = line + w + 1;
    if (*p < '0' || *p > '9') {
        return 0;
    }
    unsigned long long v = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (~0ULL - 9) / 10) {
            return 0;
        }
        v = v * 10 + (unsigned long long) (*p - '0');
    }
    if (p[0] != '\n' || p[1] != '\0') {
        return 0;
    }
    *value = v;
    return 1;
}

/* A growing buffer for the call. */
static char *call;
static size_t call_len, call_cap;
/* Whether any of the call was sent: from then on the command is never run here instead. */
static int sent;

static void append(const char *s, size_t len) {
    if (len == 0) {
        return;
    }
    if (call_len + len > call_cap) {
        size_t cap = call_cap == 0 ? 16384 : call_cap;
        while (cap < call_len + len) {
            cap *= 2;
        }
        char *grown = realloc(call, cap);
        if (grown == NULL) {
            if (sent) {
                lost("could not be sent all of the standard input (out of memory)");
            }
            by_itself();
        }
        call = grown;
        call_cap = cap;
    }
    memcpy(call + call_len, s, len);
    call_len += len;
}

static void append_field(const char *s) {
    append(s, strlen(s) + 1);
}

/* Orders NAME=VALUE entries by their names, as the Perl client's sort keys %ENV does. */
static int by_name(const void *a, const void *b) {
    const unsigned char *x = *(const unsigned char *const *) a;
    const unsigned char *y = *(const unsigned char *const *) b;
    for (;; x++, y++) {
        int cx = *x == '=' ? 0 : *x;
        int cy = *y == '=' ? 0 : *y;
        if (cx != cy || cx == 0) {
            return cx - cy;
        }
    }
}

/*
 * Run as one of the per-job commands (cli/target/bin/qstat, a link to this file): bin/hpc's own checks, made
 * here, so that a call starts one program instead of bash and then this. Whatever does not hold goes to
 * ROOT/bin/hpc, which starts the server when none runs, or runs the command in a JVM.
 */
static const char *const SERVED[] = {"qsub", "qstat", "qselect", "qdel", "qhold", "qrls", "qalter", "pbsnodes"};
static char root[PATH_MAX];
static char launcher[PATH_MAX + 16];
static char *launcher_argv[2];

static int served(const char *command) {
    for (size_t i = 0; i < sizeof SERVED / sizeof SERVED[0]; i++) {
        if (strcmp(command, SERVED[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Whether file a was modified after file b, as bash's [ a -nt b ]. */
static int newer(const struct stat *a, const struct stat *b) {
    return a->st_mtim.tv_sec > b->st_mtim.tv_sec
            || (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec > b->st_mtim.tv_nsec);
}

/* Whether process `pid` runs dev.hpc.cli.CommandServer with `state` as its next argument. */
static int runs_server_of(const char *pid, const char *state) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/cmdline", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        return 0;
    }
    static char cmdline[65536];
    size_t len = fread(cmdline, 1, sizeof cmdline - 1, f);
    fclose(f);
    cmdline[len] = '\0';
    const char *previous = NULL;
    for (size_t at = 0; at < len; at += strlen(cmdline + at) + 1) {
        if (previous != NULL && strcmp(previous, "dev.hpc.cli.CommandServer") == 0 && strcmp(cmdline + at, state) == 0) {
            return 1;
        }
        previous = cmdline + at;
    }
    return 0;
}

/* The directory bash would give as $PWD: the caller's PWD when it names this directory, else the real path. */
static const char *working_directory(void) {
    static char cwd[PATH_MAX];
    const char *pwd = getenv("PWD");
    struct stat a, b;
    if (pwd != NULL && pwd[0] == '/' && stat(pwd, &a) == 0 && stat(".", &b) == 0 && a.st_dev == b.st_dev
            && a.st_ino == b.st_ino) {
        return pwd;
    }
    return getcwd(cwd, sizeof cwd);
}

/*
 * The server's socket and pid for this user and installation, as bin/hpc finds them; 0 when there is none to
 * ask (then bin/hpc takes the call).
 */
static int find_server(char *sock_path, size_t sock_size, char *pid, size_t pid_size) {
    const char *no_server = getenv("HPC_NO_SERVER");
    const char *perl = getenv("HPC_PERL_CLIENT"); /* bin/hpc then calls through Perl */
    const char *home = getenv("HOME");
    if ((no_server != NULL && *no_server) || (perl != NULL && *perl) || home == NULL || *home == '\0') {
        return 0;
    }
    char dir[PATH_MAX], state[PATH_MAX * 2], jar[PATH_MAX + 32], mangled[PATH_MAX];
    int made = snprintf(dir, sizeof dir, "%s/.hpc/command-server", home);
    if (made < 0 || (size_t) made >= sizeof dir) {
        return 0;
    }
    struct stat dir_st, state_st, jar_st;
    /* only a directory of this user's: with another's HOME (sudo, su), that user would hold the state file */
    if (stat(dir, &dir_st) != 0 || dir_st.st_uid != geteuid()) {
        return 0;
    }
    size_t i = 0;
    for (; root[i] != '\0' && i + 1 < sizeof mangled; i++) {
        mangled[i] = root[i] == '/' ? '_' : root[i];
    }
    if (root[i] != '\0') {
        return 0;
    }
    mangled[i] = '\0';
    snprintf(state, sizeof state, "%s/%s", dir, mangled);
    snprintf(jar, sizeof jar, "%s/cli/target/hpc-cli.jar", root);
    if (stat(state, &state_st) != 0 || access(state, R_OK) != 0 || stat(jar, &jar_st) != 0
            || !newer(&state_st, &jar_st)) {
        return 0;
    }
    FILE *f = fopen(state, "re");
    if (f == NULL) {
        return 0;
    }
    char line[PATH_MAX + 64];
    int got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *space = got ? strchr(line, ' ') : NULL;
    if (space == NULL) {
        return 0;
    }
    *space = '\0';
    char *sock_start = space + 1;
    sock_start[strcspn(sock_start, "\n")] = '\0';
    if (line[0] == '\0' || strspn(line, "0123456789") != strlen(line) || strlen(line) >= pid_size
            || strlen(sock_start) >= sock_size || *sock_start == '\0') {
        return 0;
    }
    /* the server must still run: a pid that another program took since would stand for one forever */
    if (!runs_server_of(line, state)) {
        return 0;
    }
    strcpy(pid, line);
    strcpy(sock_path, sock_start);
    return 1;
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name == NULL ? argv[0] : name + 1;
    const char *path;
    const char *cwd;
    static char direct_sock[PATH_MAX];
    static char direct_pid[32];
    if (strcmp(name, "hpc-cmd") != 0) {
        /* the installation is two levels above this file (ROOT/cli/target/hpc-cmd) */
        ssize_t len = readlink("/proc/self/exe", root, sizeof root - 1);
        if (len <= 0 || (size_t) len >= sizeof root - 1) {
            fprintf(stderr, "%s: cannot find the installation (/proc/self/exe): %s\n", name,
                    len <= 0 ? strerror(errno) : "its path is too long");
            return 127;
        }
        root[len] = '\0';
        /* only where the build put it: a copy elsewhere would take some other directory for the installation, and
           run a bin/hpc of anybody's there */
        static const char WHERE[] = "/cli/target/hpc-cmd";
        size_t where = sizeof WHERE - 1;
        if ((size_t) len <= where || strcmp(root + len - where, WHERE) != 0) {
            fprintf(stderr, "%s: this is the C client of %s, which runs only as the build left it, in an "
                    "installation's cli/target; put that cli/target/bin on your PATH instead of copying it\n", name,
                    root);
            return 127;
        }
        root[len - where] = '\0';
        snprintf(launcher, sizeof launcher, "%s/bin/hpc", root);
        launcher_argv[0] = launcher;
        jvm = launcher_argv;
        jvm_argc = 1;
        /* bin/hpc COMMAND ARGS..., in place of the JVM: it decides what runs the call */
        argv[0] = (char *) name;
        call_args = argv;
        call_argc = argc;
        server_pid = direct_pid;
        if (!served(name) || !find_server(direct_sock, sizeof direct_sock, direct_pid, sizeof direct_pid)) {
            by_itself();
        }
        path = direct_sock;
        cwd = working_directory();
        if (cwd == NULL) {
            by_itself();
        }
    } else {
        if (argc < 5) {
            fputs("hpc-cmd: run by bin/hpc only: SOCKET PID CWD ARGC ARGS... JVM...\n", stderr);
            return 2;
        }
        path = argv[1];
        server_pid = argv[2];
        cwd = argv[3];
        char *end;
        long n = strtol(argv[4], &end, 10);
        if (*end != '\0' || n < 1 || n > argc - 5) {
            fputs("hpc-cmd: the argument count does not match the arguments\n", stderr);
            return 2;
        }
        call_argc = (int) n;
        call_args = argv + 5;
        jvm = argv + 5 + n;
        jvm_argc = argc - 5 - (int) n;
        if (jvm_argc < 1) {
            fputs("hpc-cmd: no JVM command line after the arguments\n", stderr);
            return 2;
        }
    }

    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        by_itself();
    }
    strcpy(addr.sun_path, path);
    int opened = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* never on 0, 1 or 2: a caller that closed one (qsub <&-) would have the call read or written there */
    sock = opened < 0 ? -1 : fcntl(opened, F_DUPFD_CLOEXEC, 3);
    if (opened >= 0) {
        close(opened);
    }
    if (sock < 0 || connect(sock, (struct sockaddr *) &addr, sizeof addr) != 0) {
        by_itself();
    }
    /* the kernel says who runs the server; anything else is no answer at all */
    struct ucred cred;
    socklen_t cred_len = sizeof cred;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 || cred_len != sizeof cred
            || cred.uid != geteuid()) {
        by_itself();
    }
    /* the server greets only a caller that the kernel says is its own user: no greeting, nothing asked */
    struct pollfd ready = {.fd = sock, .events = POLLIN};
    int polled;
    do {
        polled = poll(&ready, 1, GREETING_WAIT_MS);
    } while (polled < 0 && errno == EINTR);
    if (polled <= 0 || strcmp(read_line(), MAGIC) != 0) {
        by_itself();
    }

    /* from here on the call may have been made: it is never made again by this client */
    signal(SIGPIPE, SIG_IGN); /* a server that goes away, or a reader that stops early (qstat | head) */
    char count[32];
    snprintf(count, sizeof count, "%d", call_argc);
    append_field(cwd);
    append_field(count);
    for (int i = 0; i < call_argc; i++) {
        append_field(call_args[i]);
    }
    size_t vars = 0;
    while (environ[vars] != NULL) {
        vars++;
    }
    char **sorted = malloc((vars + 1) * sizeof *sorted);
    if (sorted == NULL) {
        by_itself();
    }
    size_t kept = 0;
    for (size_t i = 0; i < vars; i++) {
        if (strchr(environ[i], '=') != NULL) {
            sorted[kept++] = environ[i];
        }
    }
    qsort(sorted, kept, sizeof *sorted, by_name);
    for (size_t i = 0; i < kept; i++) {
        append_field(sorted[i]);
    }
    append_field("");
    sent = 1;
    put(sock, call, call_len);

    const char *line = read_line();
    if (strcmp(line, "STDIN\n") == 0) {
        call_len = 0;
        char chunk[65536];
        for (;;) {
            ssize_t r = read(STDIN_FILENO, chunk, sizeof chunk);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                break;
            }
            append(chunk, (size_t) r);
        }
        char header[32];
        int h = snprintf(header, sizeof header, "%zu\n", call_len);
        put(sock, header, (size_t) h);
        put(sock, call, call_len);
        line = read_line();
    }
    unsigned long long errs, code, out = 0;
    if (!numbered(line, "ERR", &errs)) {
        lost("ended the call without an answer");
    }
    char *err = malloc(errs == 0 ? 1 : (size_t) errs);
    if (err == NULL || !read_exactly(err, (size_t) errs)) {
        lost("ended the call in the middle of its answer");
    }
    if (!numbered(read_line(), "EXIT", &code)) {
        lost("ended the call before its exit status");
    }
    numbered(read_line(), "OUT", &out);
    /* errors first, as a command JVM prints them at once and its output at the end */
    put(STDERR_FILENO, err, (size_t) errs);
    /* a reader that stopped (qstat | head) gets no more, but the rest is read: what to run next comes after it */
    int writing = 1;
    int whole = 1;
    while (out > 0) {
        if (rpos == rlen && !fill()) {
            whole = 0;
            break;
        }
        size_t take = rlen - rpos < out ? rlen - rpos : (size_t) out;
        if (writing) {
            writing = put(STDOUT_FILENO, rbuf + rpos, take);
        }
        rpos += take;
        out -= take;
    }
    /* THEN: the command goes on in a JVM of its own, in this process (qsub -W block=true waits there) */
    unsigned long long then;
    if (whole && numbered(read_line(), "THEN", &then)) {
        if (then > 4096) {
            lost("ended the call in the middle of what to run next");
        }
        char **next = calloc((size_t) then + 1, sizeof *next);
        if (next == NULL) {
            lost("ended the call in the middle of what to run next");
        }
        for (unsigned long long i = 0; i < then; i++) {
            size_t cap = 256, len = 0;
            char *a = malloc(cap);
            for (;;) {
                if (a == NULL || (rpos == rlen && !fill())) {
                    lost("ended the call in the middle of what to run next");
                }
                char c = rbuf[rpos++];
                if (c == '\0') {
                    break;
                }
                if (len + 1 == cap) {
                    cap *= 2;
                    a = realloc(a, cap);
                    if (a == NULL) {
                        lost("ended the call in the middle of what to run next");
                    }
                }
                a[len++] = c;
            }
            a[len] = '\0';
            next[i] = a;
        }
        close(sock);
        if (launcher_argv[0] != NULL) {
            setenv("HPC_NO_SERVER", "1", 1); /* bin/hpc runs what follows in a JVM, as the server asked */
        }
        run_in_jvm(next, (int) then);
    }
    return (int) (code & 0xff);
}
