// Linux calls that glibc declares variadic or only under _GNU_SOURCE, wrapped so that Swift can call them.
#include <sys/prctl.h>
#include <sys/timex.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>

/// Sets whether the process may dump core and be attached to by a debugger of the same user.
static inline int upx_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0UL, 0UL, 0UL);
}

/// Opens a path with flags and no mode, as open(2) without O_CREAT.
static inline int upx_open(const char *path, int flags) {
    return open(path, flags);
}

/// Opens a path relative to a directory descriptor, as openat(2) without O_CREAT.
static inline int upx_openat(int directory, const char *path, int flags) {
    return openat(directory, path, flags);
}

/// Creates a file with a mode, as open(2) with O_CREAT.
static inline int upx_open_mode(const char *path, int flags, unsigned int mode) {
    return open(path, flags, (mode_t)mode);
}

// glibc declares pipe2 only under _GNU_SOURCE, which this module cannot set for its headers.
extern int pipe2(int fds[2], int flags);

/// Creates a pipe whose two ends close on exec, as pipe2(2) with O_CLOEXEC.
static inline int upx_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

#include <syslog.h>

/// Sends one message to the system log with the given facility and level, as syslog(3) with "%s".
static inline void upx_syslog(const char *identity, int priority, const char *message) {
    openlog(identity, LOG_PID, priority & LOG_FACMASK);
    syslog(priority, "%s", message);
    closelog();
}

// glibc declares execvpe only under _GNU_SOURCE.
extern int execvpe(const char *file, char *const argv[], char *const envp[]);

/// Runs a program found in PATH as execvp(3) does, with the given environment, as execvpe(3).
static inline int upx_execvpe(const char *file, char *const argv[], char *const envp[]) {
    return execvpe(file, argv, envp);
}

/// Returns NSIG, one more than the highest signal number (the last real-time signal).
static inline int upx_signal_limit(void) {
    return NSIG;
}

/// Returns 1 when the signal's action is SIG_IGN, else 0 (also for an invalid number).
static inline int upx_signal_is_ignored(int number) {
    struct sigaction action;
    if (sigaction(number, NULL, &action) != 0) return 0;
    return action.sa_handler == SIG_IGN;
}

/// Sets the signal's action to SIG_IGN when `ignore` is 1, else to SIG_DFL; returns -1 with
/// errno for numbers that cannot be set.
static inline int upx_signal_set_action(int number, int ignore) {
    struct sigaction action;
    action.sa_handler = ignore ? SIG_IGN : SIG_DFL;
    action.sa_flags = 0;
    sigemptyset(&action.sa_mask);
    return sigaction(number, &action, NULL);
}
