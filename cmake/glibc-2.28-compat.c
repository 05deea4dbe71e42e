/*
 * Keeps a Linux binary loadable on glibc 2.28 (the oldest glibc Node.js 20 runs on) when it is
 * built against a newer glibc. Compiled into the binary by portable-linux-binary.cmake.
 *
 * The linker binds each undefined symbol to the newest version the build machine's libc.so.6
 * defines: pthread_create@GLIBC_2.34 (libpthread merged into libc), dlopen@GLIBC_2.34 (libdl
 * merged), stat@GLIBC_2.33 (before it, an inline wrapper around __xstat), and so on. The static
 * libstdc++ and libgcc carry such references too, where no header trick reaches. So this file
 * defines each of those names itself, hidden (the binary exports none of them), and every
 * reference in the binary, ours or the static runtime's, binds here; each definition calls the
 * same function at the version glibc 2.28 already had (.symver), or reimplements the few that did
 * not exist yet. Newer glibc keeps those old versions as compatibility symbols, so the binary
 * loads on every glibc from 2.28 on. The link adds libdl.so.2 and libpthread.so.0 as needed
 * libraries: before 2.34 the old versions live there, not in libc.so.6.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <features.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#if defined(__x86_64__)
#define MAGMA_GLIBC_BASE "GLIBC_2.2.5"
#define MAGMA_STAT_VER 1
#elif defined(__aarch64__)
#define MAGMA_GLIBC_BASE "GLIBC_2.17"
#define MAGMA_STAT_VER 0
#else
#error "glibc-2.28-compat.c knows the base symbol versions of x86_64 and aarch64 only"
#endif

#define MAGMA_HIDDEN __attribute__((visibility("hidden")))
/* pthread.h marks pthread_setspecific's value as never read (GCC's access attribute); the call
 * that forwards it must say the same, or GCC warns that it may be read uninitialized. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10
#define MAGMA_NOT_READ(argument) __attribute__((access(none, argument)))
#else
#define MAGMA_NOT_READ(argument)
#endif
/* magma_old_NAME is NAME at the architecture's first glibc version. */
#define MAGMA_OLD_VERSION(name) __asm__(".symver magma_old_" #name "," #name "@" MAGMA_GLIBC_BASE)

#if __GLIBC_PREREQ(2, 34)
extern void *magma_old_dlopen(const char *, int);
extern void *magma_old_dlsym(void *, const char *);
extern char *magma_old_dlerror(void);
extern int magma_old_dlclose(void *);
extern int magma_old_dladdr(const void *, Dl_info *);
MAGMA_OLD_VERSION(dlopen);
MAGMA_OLD_VERSION(dlsym);
MAGMA_OLD_VERSION(dlerror);
MAGMA_OLD_VERSION(dlclose);
MAGMA_OLD_VERSION(dladdr);

MAGMA_HIDDEN void *dlopen(const char *file, int mode) { return magma_old_dlopen(file, mode); }
MAGMA_HIDDEN void *dlsym(void *handle, const char *name) { return magma_old_dlsym(handle, name); }
MAGMA_HIDDEN char *dlerror(void) { return magma_old_dlerror(); }
MAGMA_HIDDEN int dlclose(void *handle) { return magma_old_dlclose(handle); }
MAGMA_HIDDEN int dladdr(const void *address, Dl_info *info) {
  return magma_old_dladdr(address, info);
}

extern int magma_old_pthread_create(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                    void *);
extern int magma_old_pthread_join(pthread_t, void **);
extern int magma_old_pthread_detach(pthread_t);
extern int magma_old_pthread_once(pthread_once_t *, void (*)(void));
extern int magma_old_pthread_key_create(pthread_key_t *, void (*)(void *));
extern int magma_old___pthread_key_create(pthread_key_t *, void (*)(void *));
extern int magma_old_pthread_mutex_trylock(pthread_mutex_t *);
extern int magma_old_pthread_rwlock_rdlock(pthread_rwlock_t *);
extern int magma_old_pthread_rwlock_wrlock(pthread_rwlock_t *);
extern int magma_old_pthread_rwlock_unlock(pthread_rwlock_t *);
extern int magma_old_pthread_key_delete(pthread_key_t);
extern void *magma_old_pthread_getspecific(pthread_key_t);
extern int magma_old_pthread_setspecific(pthread_key_t, const void *) MAGMA_NOT_READ(2);
MAGMA_OLD_VERSION(pthread_create);
MAGMA_OLD_VERSION(pthread_join);
MAGMA_OLD_VERSION(pthread_detach);
MAGMA_OLD_VERSION(pthread_once);
MAGMA_OLD_VERSION(pthread_key_create);
MAGMA_OLD_VERSION(__pthread_key_create);
MAGMA_OLD_VERSION(pthread_mutex_trylock);
MAGMA_OLD_VERSION(pthread_rwlock_rdlock);
MAGMA_OLD_VERSION(pthread_rwlock_wrlock);
MAGMA_OLD_VERSION(pthread_rwlock_unlock);
MAGMA_OLD_VERSION(pthread_key_delete);
MAGMA_OLD_VERSION(pthread_getspecific);
MAGMA_OLD_VERSION(pthread_setspecific);

MAGMA_HIDDEN int pthread_create(pthread_t *thread, const pthread_attr_t *attributes,
                                void *(*start)(void *), void *argument) {
  return magma_old_pthread_create(thread, attributes, start, argument);
}
MAGMA_HIDDEN int pthread_join(pthread_t thread, void **result) {
  return magma_old_pthread_join(thread, result);
}
MAGMA_HIDDEN int pthread_detach(pthread_t thread) { return magma_old_pthread_detach(thread); }
MAGMA_HIDDEN int pthread_once(pthread_once_t *once, void (*run)(void)) {
  return magma_old_pthread_once(once, run);
}
MAGMA_HIDDEN int pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) {
  return magma_old_pthread_key_create(key, destructor);
}
/* libstdc++ asks for this name to learn whether the process has threads (gthr-posix.h). */
MAGMA_HIDDEN int __pthread_key_create(pthread_key_t *key, void (*destructor)(void *)) {
  return magma_old___pthread_key_create(key, destructor);
}
MAGMA_HIDDEN int pthread_mutex_trylock(pthread_mutex_t *mutex) {
  return magma_old_pthread_mutex_trylock(mutex);
}
/* std::shared_mutex (a session's send ring shared with worker threads). */
MAGMA_HIDDEN int pthread_rwlock_rdlock(pthread_rwlock_t *lock) {
  return magma_old_pthread_rwlock_rdlock(lock);
}
MAGMA_HIDDEN int pthread_rwlock_wrlock(pthread_rwlock_t *lock) {
  return magma_old_pthread_rwlock_wrlock(lock);
}
MAGMA_HIDDEN int pthread_rwlock_unlock(pthread_rwlock_t *lock) {
  return magma_old_pthread_rwlock_unlock(lock);
}
MAGMA_HIDDEN int pthread_key_delete(pthread_key_t key) { return magma_old_pthread_key_delete(key); }
MAGMA_HIDDEN void *pthread_getspecific(pthread_key_t key) {
  return magma_old_pthread_getspecific(key);
}
MAGMA_HIDDEN int pthread_setspecific(pthread_key_t key, const void *value) {
  return magma_old_pthread_setspecific(key, value);
}
#endif

#if __GLIBC_PREREQ(2, 33)
/* Before 2.33, stat was an inline wrapper in <sys/stat.h> around __xstat, the exported call. */
extern int magma_old___xstat(int, const char *, struct stat *);
MAGMA_OLD_VERSION(__xstat);
MAGMA_HIDDEN int stat(const char *path, struct stat *result) {
  return magma_old___xstat(MAGMA_STAT_VER, path, result);
}
#endif

#if __GLIBC_PREREQ(2, 32)
/*
 * libstdc++'s headers read this flag to skip atomic reference counting while the process has a
 * single thread. Zero means "maybe several threads": always correct, a little slower.
 */
MAGMA_HIDDEN char __libc_single_threaded = 0;
#endif

#if __GLIBC_PREREQ(2, 35)
/*
 * The static unwinder (libgcc_eh) asks glibc 2.35+ for the object holding a code address and its
 * unwind table (PT_GNU_EH_FRAME). dl_iterate_phdr answers the same question on every glibc; it
 * takes the loader's lock, as the unwinder did before 2.35.
 */
struct magma_find_object_search {
  uintptr_t address;
  struct dl_find_object *result;
  int found;
};

static int magma_find_object_in(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct magma_find_object_search *search = data;
  uintptr_t start = UINTPTR_MAX;
  uintptr_t end = 0;
  int holds_address = 0;
  const ElfW(Phdr) *eh_frame = NULL;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type == PT_GNU_EH_FRAME) eh_frame = segment;
    if (segment->p_type != PT_LOAD) continue;
    uintptr_t first = info->dlpi_addr + segment->p_vaddr;
    uintptr_t last = first + segment->p_memsz;
    if (first < start) start = first;
    if (last > end) end = last;
    if (search->address >= first && search->address < last) holds_address = 1;
  }
  if (!holds_address) return 0;
  memset(search->result, 0, sizeof *search->result);
  search->result->dlfo_map_start = (void *)start;
  search->result->dlfo_map_end = (void *)end;
  search->result->dlfo_eh_frame =
      eh_frame == NULL ? NULL : (void *)(info->dlpi_addr + eh_frame->p_vaddr);
  search->found = 1;
  return 1;
}

MAGMA_HIDDEN int _dl_find_object(void *address, struct dl_find_object *result) {
  struct magma_find_object_search search = {(uintptr_t)address, result, 0};
  dl_iterate_phdr(magma_find_object_in, &search);
  return search.found ? 0 : -1;
}
#endif

#if __GLIBC_PREREQ(2, 36)
/* std::random_device's default source in libstdc++ 12+; getrandom exists since glibc 2.25. */
MAGMA_HIDDEN uint32_t arc4random(void) {
  uint32_t value;
  for (;;) {
    ssize_t got = getrandom(&value, sizeof value, 0);
    if (got == (ssize_t)sizeof value) return value;
    if (got < 0 && errno != EINTR) abort();
  }
}
#endif
