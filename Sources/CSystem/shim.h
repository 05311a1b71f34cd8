// Linux calls that glibc declares variadic, wrapped so that Swift can call them.
#include <sys/prctl.h>
#include <sys/timex.h>
#include <fcntl.h>

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
