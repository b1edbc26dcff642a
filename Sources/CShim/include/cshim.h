// Thin wrappers of Linux syscalls and macros that Swift's Glibc module does
// not expose (they need _GNU_SOURCE, are variadic, or are raw syscalls).
// Each wrapper is one call; it returns what the syscall returns and leaves
// errno set. No policy lives here.
#ifndef SWIFTLET_CSHIM_H
#define SWIFTLET_CSHIM_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

// Namespace and clone flags (sched.h hides them without _GNU_SOURCE).
enum {
  SL_CLONE_NEWTIME = 0x00000080,
  SL_CLONE_NEWNS = 0x00020000,
  SL_CLONE_NEWCGROUP = 0x02000000,
  SL_CLONE_NEWUTS = 0x04000000,
  SL_CLONE_NEWIPC = 0x08000000,
  SL_CLONE_NEWUSER = 0x10000000,
  SL_CLONE_NEWPID = 0x20000000,
  SL_CLONE_NEWNET = 0x40000000,
  SL_CLONE_PARENT = 0x00008000,
};

// clone3 with fork semantics (the child continues on a copy of the caller's
// stack). cgroup_fd >= 0 adds CLONE_INTO_CGROUP. Falls back to clone(2) when
// clone3 is unavailable and no cgroup fd or time namespace is asked for.
// Returns the child's pid in the parent, 0 in the child, -1 on error.
pid_t sl_clone(uint64_t flags, int cgroup_fd);

int sl_unshare(int flags);
int sl_setns(int fd, int nstype);
int sl_pivot_root(const char *new_root, const char *put_old);

// New mount API (Linux 5.2+ / mount_setattr 5.12+).
int sl_open_tree(int dfd, const char *path, unsigned int flags);
int sl_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags);
int sl_mount_setattr(int dfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr,
                     uint64_t propagation, uint64_t userns_fd);
int sl_fsopen(const char *fsname, unsigned int flags);
int sl_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux);
int sl_fsmount(int fd, unsigned int flags, unsigned int attr_flags);

enum {
  SL_OPEN_TREE_CLONE = 1,
  SL_OPEN_TREE_CLOEXEC = 02000000,
  SL_AT_RECURSIVE = 0x8000,
  SL_AT_EMPTY_PATH = 0x1000,
  SL_AT_SYMLINK_NOFOLLOW = 0x100,
  SL_MOVE_MOUNT_F_EMPTY_PATH = 0x00000004,
  SL_MOVE_MOUNT_T_EMPTY_PATH = 0x00000040,
};

// MOUNT_ATTR_* for mount_setattr.
#define SL_MOUNT_ATTR_RDONLY 0x00000001ULL
#define SL_MOUNT_ATTR_NOSUID 0x00000002ULL
#define SL_MOUNT_ATTR_NODEV 0x00000004ULL
#define SL_MOUNT_ATTR_NOEXEC 0x00000008ULL
#define SL_MOUNT_ATTR__ATIME 0x00000070ULL
#define SL_MOUNT_ATTR_RELATIME 0x00000000ULL
#define SL_MOUNT_ATTR_NOATIME 0x00000010ULL
#define SL_MOUNT_ATTR_STRICTATIME 0x00000020ULL
#define SL_MOUNT_ATTR_NODIRATIME 0x00000080ULL
#define SL_MOUNT_ATTR_IDMAP 0x00100000ULL
#define SL_MOUNT_ATTR_NOSYMFOLLOW 0x00200000ULL

// openat2 with a struct open_how built from its three fields.
int sl_openat2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);
#define SL_RESOLVE_NO_XDEV 0x01ULL
#define SL_RESOLVE_NO_MAGICLINKS 0x02ULL
#define SL_RESOLVE_NO_SYMLINKS 0x04ULL
#define SL_RESOLVE_BENEATH 0x08ULL
#define SL_RESOLVE_IN_ROOT 0x10ULL

int sl_pidfd_open(pid_t pid, unsigned int flags);
int sl_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
int sl_close_range(unsigned int first, unsigned int last, unsigned int flags);
enum { SL_CLOSE_RANGE_CLOEXEC = 4 };
int sl_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags);

// Variadic libc calls Swift cannot call directly.
int sl_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
int sl_ioctl(int fd, unsigned long request, unsigned long arg);
int sl_ioctl_ptr(int fd, unsigned long request, void *arg);
int sl_fcntl_int(int fd, int cmd, int arg);
int sl_open_mode(const char *path, int flags, unsigned int mode);
int sl_openat_mode(int dfd, const char *path, int flags, unsigned int mode);

// prctl options used by the runtime.
enum {
  SL_PR_SET_PDEATHSIG = 1,
  SL_PR_SET_DUMPABLE = 4,
  SL_PR_SET_KEEPCAPS = 8,
  SL_PR_SET_NAME = 15,
  SL_PR_CAPBSET_READ = 23,
  SL_PR_CAPBSET_DROP = 24,
  SL_PR_SET_CHILD_SUBREAPER = 36,
  SL_PR_SET_NO_NEW_PRIVS = 38,
  SL_PR_GET_NO_NEW_PRIVS = 39,
  SL_PR_CAP_AMBIENT = 47,
  SL_PR_CAP_AMBIENT_RAISE = 2,
  SL_PR_CAP_AMBIENT_CLEAR_ALL = 4,
};

// open(2) flags hidden without _GNU_SOURCE.
#define SL_O_PATH 010000000

// ioctl requests.
#define SL_NS_GET_NSTYPE 0xb703UL
#define SL_TIOCSCTTY 0x540EUL
#define SL_TIOCGPTN 0x80045430UL
#define SL_TIOCSPTLCK 0x40045431UL
#define SL_TIOCGPTPEER 0x5441UL
#define SL_TIOCSWINSZ 0x5414UL
#define SL_TIOCGWINSZ 0x5413UL

// Send or receive a message carrying at most one file descriptor
// (SCM_RIGHTS). recv stores the fd in *fd (or -1 when none came) and returns
// the payload length, 0 at EOF, -1 on error.
ssize_t sl_send_fd(int sock, const void *buf, size_t len, int fd);
ssize_t sl_recv_fd(int sock, void *buf, size_t len, int *fd);

unsigned long sl_makedev(unsigned int major, unsigned int minor);
unsigned int sl_major(unsigned long dev);
unsigned int sl_minor(unsigned long dev);

int sl_personality(unsigned long persona);
// set_mempolicy(mode | flags, nodemask of `nodes`, maxnode).
int sl_set_mempolicy(int mode, const int *nodes, int count);
int sl_ioprio_set(int which, int who, int ioprio);
// sched_setattr with the fields of struct sched_attr the spec can set.
int sl_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period);
int sl_sched_setaffinity_list(pid_t pid, const int *cpus, int count);

int sl_setresuid(uid_t uid);  // real, effective and saved
int sl_setresgid(gid_t gid);
// prlimit(0, ...): set (when new_soft/new_hard are given) and read back.
int sl_setrlimit(int resource, uint64_t soft, uint64_t hard);
int sl_getrlimit(int resource, uint64_t *soft, uint64_t *hard);
// The file system type (f_type) of a path or fd; -1 on error.
long sl_statfs_type(const char *path);
long sl_fstatfs_type(int fd);

int sl_accept_cloexec(int fd);
int sl_pipe_cloexec(int fds[2]);
// Reads one siginfo from a signalfd; returns the signal number, 0 at EOF, -1 on error.
int sl_signalfd_read(int fd);

// bpf(2) for cgroup device programs: load a BPF_PROG_TYPE_CGROUP_DEVICE
// program (insns are struct bpf_insn, 8 bytes each), attach it to a cgroup
// directory fd with BPF_F_ALLOW_MULTI, list and detach the attached ones.
int sl_bpf_load_device_program(const void *insns, int count, char *log, unsigned log_size);
int sl_bpf_attach_device_program(int cgroup_fd, int prog_fd);
int sl_bpf_detach_device_program(int cgroup_fd, int prog_fd);
int sl_bpf_query_device_programs(int cgroup_fd, uint32_t *ids, uint32_t *count);
int sl_bpf_prog_fd_by_id(uint32_t id);

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): loads a classic BPF
// program (bytes: struct sock_filter array). Returns the listener fd with
// SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0; -1 on error.
int sl_seccomp_load(const void *filter, size_t bytes, unsigned int flags);
// SECCOMP_GET_ACTION_AVAIL: 0 when the kernel knows the action.
int sl_seccomp_action_available(uint32_t action);
// 1 when seccomp(SECCOMP_SET_MODE_FILTER) accepts `flags` (probed with a
// NULL program: EFAULT means the flags passed the check), else 0.
int sl_seccomp_flags_supported(unsigned int flags);
int sl_memfd(const char *name);

// eventfd and inotify (for OOM events).
int sl_eventfd(void);
int sl_inotify_watch(const char *path, uint32_t mask);  // returns the inotify fd

// syscall(2) with up to five arguments (glibc's is variadic).
long sl_syscall5(long number, long a1, long a2, long a3, long a4, long a5);

int sl_errno(void);
void sl_set_errno(int value);

// Signal set helpers (sigset_t macros are not importable reliably).
int sl_block_signals_for_forwarding(void);  // blocks all catchable signals, returns 0/-1
int sl_unblock_all_signals(void);
int sl_reset_signal_dispositions(void);     // SIG_DFL for every catchable signal
int sl_signalfd_all(void);                  // signalfd for all catchable signals (blocked)



// Build information: SWIFTLET_COMMIT is passed by scripts/build (-Xcc -D).
const char *sl_build_commit(void);

// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring.
long sl_join_session_keyring(const char *name);
#endif
