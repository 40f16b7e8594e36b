/*
 * powerfs: a FUSE file system for raft-kv's power-loss tests (the method of Jepsen's LazyFS).
 *
 * It passes every operation through to a backing directory, except that it keeps what a power
 * loss would lose:
 *   - file data: written pages stay in this process's memory until the file is fsync'd
 *     (fsync/fdatasync); reads see them, the backing file does not;
 *   - directory entries: a file or directory created, renamed, hard-linked or removed is applied
 *     to the backing directory at once, but remembered with its undo until its parent directory
 *     is fsync'd (POSIX's minimum: a new name is durable once its directory is fsync'd). With
 *     -o names_with_data (ext4/xfs in their usual modes) the name of a file becomes durable also
 *     when the file itself is fsync'd.
 *
 * Writing "sync" to the control file makes everything durable (used after a deliberate wipe).
 * Writing "crash" to the control file /.powerfs (after the processes using the mount were
 * killed) is the power loss: unsynced pages are dropped ("crash tear" first writes a random half
 * of them, page by page, as a torn write-back would), then the remembered directory changes are
 * undone newest first. The mount goes on serving the state a machine would find after a reboot.
 *
 * Build: gcc -O2 -Wall -o powerfs powerfs.c $(pkg-config --cflags --libs fuse3)
 * Run:   powerfs BACKING MOUNTPOINT [-o names_with_data] [-o seed=N]   (single-threaded, direct I/O)
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#define PAGE 4096
#define CTL "/.powerfs"
#define TRASH ".powerfs-trash"

static int backing = -1;         /* fd of the backing directory */
static int names_with_data = 0;  /* a file's fsync also makes its name durable */
static unsigned int seed = 1;

/* ---- unsynced file data, per backing inode ---- */
struct page {
  long index;
  struct page *next;
  char data[PAGE];
};

struct inode {
  ino_t ino;
  int fd;         /* a backing fd of this inode, for write-back */
  off_t size;     /* the size as seen through the mount */
  off_t synced;   /* the backing file's size (what a crash leaves) */
  struct page *pages;
  struct inode *next;
};

static struct inode *inodes;

static struct inode *find_inode(ino_t ino) {
  for (struct inode *i = inodes; i; i = i->next) {
    if (i->ino == ino) return i;
  }
  return NULL;
}

static struct inode *get_inode(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  struct inode *i = find_inode(st.st_ino);
  if (i) return i;
  i = calloc(1, sizeof *i);
  i->ino = st.st_ino;
  i->fd = dup(fd);
  i->size = st.st_size;
  i->synced = st.st_size;
  i->next = inodes;
  inodes = i;
  return i;
}

static struct page *find_page(struct inode *i, long index) {
  for (struct page *p = i->pages; p; p = p->next) {
    if (p->index == index) return p;
  }
  return NULL;
}

static struct page *get_page(struct inode *i, long index) {
  struct page *p = find_page(i, index);
  if (p) return p;
  p = calloc(1, sizeof *p);
  p->index = index;
  off_t off = (off_t)index * PAGE;
  if (off < i->synced) {
    ssize_t n = pread(i->fd, p->data, PAGE, off);
    (void)n; /* short reads leave zeros */
  }
  /* bytes past the visible size read as zeros */
  if (off + PAGE > i->size) {
    off_t keep = i->size > off ? i->size - off : 0;
    memset(p->data + keep, 0, PAGE - keep);
  }
  p->next = i->pages;
  i->pages = p;
  return p;
}

static void free_pages(struct inode *i) {
  struct page *p = i->pages;
  while (p) {
    struct page *n = p->next;
    free(p);
    p = n;
  }
  i->pages = NULL;
}

static void drop_inode(struct inode *i) {
  struct inode **pp = &inodes;
  while (*pp && *pp != i) pp = &(*pp)->next;
  if (*pp) *pp = i->next;
  free_pages(i);
  close(i->fd);
  free(i);
}

/* Writes the inode's pages to the backing file and fsyncs it. */
static int sync_inode(struct inode *i) {
  for (struct page *p = i->pages; p; p = p->next) {
    off_t off = (off_t)p->index * PAGE;
    if (off >= i->size) continue;
    size_t len = (size_t)(i->size - off < PAGE ? i->size - off : PAGE);
    if (pwrite(i->fd, p->data, len, off) != (ssize_t)len) return -errno;
  }
  if (ftruncate(i->fd, i->size) != 0) return -errno;
  if (fsync(i->fd) != 0) return -errno;
  i->synced = i->size;
  drop_inode(i);
  return 0;
}

/* ---- unsynced directory entries ---- */
enum op { CREATED, RENAMED, REMOVED };

struct change {
  enum op op;
  char dir[PATH_MAX];   /* the directory whose fsync makes it durable */
  char path[PATH_MAX];  /* CREATED: the new name; RENAMED: the new name; REMOVED: the old name */
  char from[PATH_MAX];  /* RENAMED: the old name */
  char trash[PATH_MAX]; /* REMOVED, or RENAMED over an existing file: where the old one is kept */
  ino_t ino;
  struct change *prev;
};

static struct change *changes; /* newest first */
static long trash_seq;

static const char *rel(const char *path) {
  while (*path == '/') path++;
  return *path ? path : ".";
}

static void parent_of(const char *path, char *out) {
  const char *r = rel(path);
  const char *slash = strrchr(r, '/');
  if (!slash) {
    strcpy(out, ".");
  } else {
    size_t n = (size_t)(slash - r);
    memcpy(out, r, n);
    out[n] = 0;
  }
}

static struct change *record(enum op op, const char *path) {
  struct change *c = calloc(1, sizeof *c);
  c->op = op;
  parent_of(path, c->dir);
  snprintf(c->path, sizeof c->path, "%s", rel(path));
  struct stat st;
  if (fstatat(backing, c->path, &st, AT_SYMLINK_NOFOLLOW) == 0) c->ino = st.st_ino;
  c->prev = changes;
  changes = c;
  return c;
}

static void to_trash(const char *relpath, char *trash) {
  snprintf(trash, PATH_MAX, TRASH "/%ld", ++trash_seq);
  renameat(backing, relpath, backing, trash);
}

static void forget(struct change *c) {
  if (c->trash[0]) {
    /* the removed or replaced file is gone for good now */
    struct stat st;
    if (fstatat(backing, c->trash, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      unlinkat(backing, c->trash, AT_REMOVEDIR);
    } else {
      unlinkat(backing, c->trash, 0);
    }
  }
  free(c);
}

/* A directory was fsync'd: the changes of its entries are durable. */
static void dir_synced(const char *dir) {
  struct change **pp = &changes;
  while (*pp) {
    struct change *c = *pp;
    if (strcmp(c->dir, dir) == 0) {
      *pp = c->prev;
      forget(c);
    } else {
      pp = &c->prev;
    }
  }
}

/* A file was fsync'd: with names_with_data its own name is durable too. */
static void file_synced(ino_t ino) {
  if (!names_with_data) return;
  struct change **pp = &changes;
  while (*pp) {
    struct change *c = *pp;
    if (c->op != REMOVED && c->ino == ino) {
      *pp = c->prev;
      forget(c);
    } else {
      pp = &c->prev;
    }
  }
}

static void remove_tree(const char *relpath) {
  struct stat st;
  if (fstatat(backing, relpath, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    int fd = openat(backing, relpath, O_RDONLY | O_DIRECTORY);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", relpath, e->d_name);
        remove_tree(sub);
      }
      closedir(d);
    }
    unlinkat(backing, relpath, AT_REMOVEDIR);
  } else {
    unlinkat(backing, relpath, 0);
  }
}

static void power_loss(int tear) {
  int dropped = 0, torn = 0, undone = 0;
  while (inodes) {
    struct inode *i = inodes;
    if (tear) {
      for (struct page *p = i->pages; p; p = p->next) {
        if (rand_r(&seed) % 2) {
          off_t off = (off_t)p->index * PAGE;
          size_t len = PAGE;
          if (pwrite(i->fd, p->data, len, off) == (ssize_t)len) torn++;
        } else {
          dropped++;
        }
      }
    } else {
      for (struct page *p = i->pages; p; p = p->next) dropped++;
    }
    drop_inode(i);
  }
  while (changes) {
    struct change *c = changes;
    changes = c->prev;
    fprintf(stderr, "powerfs:   undo %s %s%s%s\n", c->op == CREATED ? "create" : c->op == RENAMED ? "rename" : "removal",
        c->op == RENAMED ? c->from : "", c->op == RENAMED ? " -> " : "", c->path);
    switch (c->op) {
      case CREATED:
        remove_tree(c->path);
        break;
      case RENAMED:
        renameat(backing, c->path, backing, c->from);
        if (c->trash[0]) renameat(backing, c->trash, backing, c->path);
        c->trash[0] = 0;
        break;
      case REMOVED:
        if (c->trash[0]) renameat(backing, c->trash, backing, c->path);
        c->trash[0] = 0;
        break;
    }
    undone++;
    free(c);
  }
  fprintf(stderr, "powerfs: power loss: %d unsynced pages dropped, %d torn pages written, %d directory"
      " changes undone\n", dropped, torn, undone);
}

/* "sync": everything written so far becomes durable (a replaced disk, set up on purpose). */
static void sync_all(void) {
  while (inodes) sync_inode(inodes);
  while (changes) {
    struct change *c = changes;
    changes = c->prev;
    forget(c);
  }
  fprintf(stderr, "powerfs: sync\n");
}

/* ---- FUSE operations ---- */
static void *pf_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->direct_io = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->use_ino = 0;
  return NULL;
}

static int pf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  if (strcmp(path, CTL) == 0) {
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    return 0;
  }
  int r = fi ? fstat((int)fi->fh, st) : fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  struct inode *i = find_inode(st->st_ino);
  if (i) st->st_size = i->size;
  return 0;
}

static int pf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)off; (void)fi; (void)flags;
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (!d) { close(fd); return -errno; }
  struct dirent *e;
  int root = strcmp(rel(path), ".") == 0;
  while ((e = readdir(d))) {
    if (root && strcmp(e->d_name, TRASH) == 0) continue;
    fill(buf, e->d_name, NULL, 0, 0);
  }
  closedir(d);
  return 0;
}

static int pf_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, CTL) == 0) { fi->fh = (uint64_t)-1; fi->direct_io = 1; return 0; }
  int flags = fi->flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_APPEND);
  int fd = openat(backing, rel(path), (flags & O_ACCMODE) == O_WRONLY ? (flags & ~O_ACCMODE) | O_RDWR : flags);
  if (fd < 0) return -errno;
  fi->fh = (uint64_t)fd;
  fi->direct_io = 1;
  if (fi->flags & O_TRUNC) {
    struct inode *i = get_inode(fd);
    free_pages(i);
    i->size = 0;
  }
  return 0;
}

static int pf_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  struct stat st;
  int existed = fstatat(backing, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0;
  int fd = openat(backing, rel(path), O_RDWR | O_CREAT | (fi->flags & O_EXCL), mode);
  if (fd < 0) return -errno;
  if (!existed) record(CREATED, path);
  fi->fh = (uint64_t)fd;
  fi->direct_io = 1;
  if (existed && (fi->flags & O_TRUNC)) {
    struct inode *i = get_inode(fd);
    free_pages(i);
    i->size = 0;
  }
  return 0;
}

static int pf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh == (uint64_t)-1) return 0;
  int fd = (int)fi->fh;
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  struct inode *i = find_inode(st.st_ino);
  if (!i) {
    ssize_t n = pread(fd, buf, size, off);
    return n < 0 ? -errno : (int)n;
  }
  if (off >= i->size) return 0;
  if ((off_t)size > i->size - off) size = (size_t)(i->size - off);
  size_t done = 0;
  while (done < size) {
    off_t pos = off + (off_t)done;
    long index = (long)(pos / PAGE);
    size_t in = (size_t)(pos % PAGE);
    size_t n = PAGE - in < size - done ? PAGE - in : size - done;
    struct page *p = find_page(i, index);
    if (p) {
      memcpy(buf + done, p->data + in, n);
    } else {
      memset(buf + done, 0, n);
      if (pos < i->synced) {
        ssize_t r = pread(fd, buf + done, n, pos);
        if (r < 0) return -errno;
      }
    }
    done += n;
  }
  return (int)done;
}

static int pf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh == (uint64_t)-1) {
    if (size >= 5 && strncmp(buf, "crash", 5) == 0) {
      power_loss(size >= 10 && strncmp(buf, "crash tear", 10) == 0);
    } else if (size >= 4 && strncmp(buf, "sync", 4) == 0) {
      sync_all();
    }
    return (int)size;
  }
  struct inode *i = get_inode((int)fi->fh);
  if (!i) return -errno;
  if (fi->flags & O_APPEND) off = i->size;
  size_t done = 0;
  while (done < size) {
    off_t pos = off + (off_t)done;
    long index = (long)(pos / PAGE);
    size_t in = (size_t)(pos % PAGE);
    size_t n = PAGE - in < size - done ? PAGE - in : size - done;
    struct page *p = get_page(i, index);
    memcpy(p->data + in, buf + done, n);
    done += n;
  }
  if (off + (off_t)size > i->size) i->size = off + (off_t)size;
  return (int)size;
}

static int pf_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  int fd = fi ? (int)fi->fh : openat(backing, rel(path), O_RDWR);
  if (fd < 0) return -errno;
  struct inode *i = get_inode(fd);
  if (!fi) close(fd);
  if (!i) return -EIO;
  /* pages past the new end are dropped; the boundary page's tail reads as zeros */
  struct page **pp = &i->pages;
  while (*pp) {
    struct page *p = *pp;
    if ((off_t)p->index * PAGE >= size) {
      *pp = p->next;
      free(p);
    } else {
      pp = &p->next;
    }
  }
  if (size < i->size) {
    long index = (long)(size / PAGE);
    struct page *p = (size % PAGE) ? get_page(i, index) : NULL;
    if (p) memset(p->data + size % PAGE, 0, PAGE - size % PAGE);
  }
  i->size = size;
  return 0;
}

static int pf_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path; (void)datasync;
  if (fi->fh == (uint64_t)-1) return 0;
  int fd = (int)fi->fh;
  struct stat st;
  if (fstat(fd, &st) != 0) return -errno;
  struct inode *i = find_inode(st.st_ino);
  int r = i ? sync_inode(i) : (fsync(fd) == 0 ? 0 : -errno);
  if (r == 0) file_synced(st.st_ino);
  return r;
}

static int pf_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)datasync; (void)fi;
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  int r = fsync(fd);
  close(fd);
  dir_synced(rel(path));
  return r == 0 ? 0 : -errno;
}

static int pf_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh != (uint64_t)-1) close((int)fi->fh);
  return 0;
}

static int pf_mkdir(const char *path, mode_t mode) {
  if (mkdirat(backing, rel(path), mode) != 0) return -errno;
  record(CREATED, path);
  return 0;
}

static int pf_unlink(const char *path) {
  struct change *c = record(REMOVED, path);
  to_trash(c->path, c->trash);
  return 0;
}

static int pf_rmdir(const char *path) {
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  struct dirent *e;
  int empty = 1;
  while (d && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
  }
  if (d) closedir(d);
  if (!empty) return -ENOTEMPTY;
  struct change *c = record(REMOVED, path);
  to_trash(c->path, c->trash);
  return 0;
}

static int pf_rename(const char *from, const char *to, unsigned int flags) {
  if (flags) return -EINVAL;
  struct stat st;
  if (fstatat(backing, rel(from), &st, AT_SYMLINK_NOFOLLOW) != 0) return -errno;
  char trash[PATH_MAX] = "";
  struct stat old;
  if (fstatat(backing, rel(to), &old, AT_SYMLINK_NOFOLLOW) == 0) to_trash(rel(to), trash);
  if (renameat(backing, rel(from), backing, rel(to)) != 0) {
    int e = errno;
    if (trash[0]) renameat(backing, trash, backing, rel(to));
    return -e;
  }
  struct change *c = record(RENAMED, to);
  snprintf(c->from, sizeof c->from, "%s", rel(from));
  snprintf(c->trash, sizeof c->trash, "%s", trash);
  return 0;
}

static int pf_link(const char *from, const char *to) {
  if (linkat(backing, rel(from), backing, rel(to), 0) != 0) return -errno;
  record(CREATED, to);
  return 0;
}

static int pf_symlink(const char *target, const char *path) {
  if (symlinkat(target, backing, rel(path)) != 0) return -errno;
  record(CREATED, path);
  return 0;
}

static int pf_readlink(const char *path, char *buf, size_t size) {
  ssize_t n = readlinkat(backing, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = 0;
  return 0;
}

static int pf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  (void)fi;
  return fchmodat(backing, rel(path), mode, 0) == 0 ? 0 : -errno;
}

static int pf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  (void)fi;
  return utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int pf_statfs(const char *path, struct statvfs *st) {
  (void)path;
  return fstatvfs(backing, st) == 0 ? 0 : -errno;
}

static int pf_access(const char *path, int mask) {
  if (strcmp(path, CTL) == 0) return 0;
  return faccessat(backing, rel(path), mask, 0) == 0 ? 0 : -errno;
}

static int pf_opendir(const char *path, struct fuse_file_info *fi) {
  (void)fi;
  int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  close(fd);
  return 0;
}

static const struct fuse_operations ops = {
  .init = pf_init,
  .getattr = pf_getattr,
  .readdir = pf_readdir,
  .open = pf_open,
  .create = pf_create,
  .read = pf_read,
  .write = pf_write,
  .truncate = pf_truncate,
  .fsync = pf_fsync,
  .fsyncdir = pf_fsyncdir,
  .opendir = pf_opendir,
  .release = pf_release,
  .mkdir = pf_mkdir,
  .unlink = pf_unlink,
  .rmdir = pf_rmdir,
  .rename = pf_rename,
  .link = pf_link,
  .symlink = pf_symlink,
  .readlink = pf_readlink,
  .chmod = pf_chmod,
  .utimens = pf_utimens,
  .statfs = pf_statfs,
  .access = pf_access,
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: powerfs BACKING MOUNTPOINT [-o names_with_data] [-o seed=N]\n");
    return 2;
  }
  backing = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (backing < 0) {
    perror(argv[1]);
    return 1;
  }
  mkdirat(backing, TRASH, 0700);
  char *fargs[16];
  int n = 0;
  fargs[n++] = argv[0];
  fargs[n++] = argv[2];
  fargs[n++] = "-s";
  fargs[n++] = "-f";
  for (int k = 3; k + 1 < argc; k += 2) {
    if (strcmp(argv[k], "-o") == 0 && strcmp(argv[k + 1], "names_with_data") == 0) {
      names_with_data = 1;
    } else if (strcmp(argv[k], "-o") == 0 && strncmp(argv[k + 1], "seed=", 5) == 0) {
      seed = (unsigned int)strtoul(argv[k + 1] + 5, NULL, 10);
    }
  }
  return fuse_main(n, fargs, &ops, NULL);
}
