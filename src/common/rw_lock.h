#pragma once
// A reader-writer lock that lets a waiting writer in before the readers that come after it
// (pthread's PREFER_WRITER_NONRECURSIVE kind). std::shared_mutex on glibc prefers readers: while
// readers overlap, one after another, a writer waits for as long as they keep coming, and a
// thousand hosts' pulls and samples, each a short read, kept a user's RunInstances waiting for
// a quarter of a second (p99 at 60,000 instances). Here a writer waits for the readers already
// in, and the readers that come after it wait for the writer.
//
// Not recursive: a thread that holds the lock shared must not take it shared again (with a
// writer waiting in between, both would wait forever); the caller keeps count (Cloud::Read
// does). Meets the standard's SharedMutex requirements (std::unique_lock, std::shared_lock).
// As std::shared_mutex does, a lock the calling thread already holds exclusively throws
// std::system_error (EDEADLK) rather than carry on unlocked.
#include <pthread.h>

#include <cerrno>
#include <system_error>

namespace openecs {

class WriterFirstSharedMutex {
 public:
  WriterFirstSharedMutex() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&rw_, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  ~WriterFirstSharedMutex() { pthread_rwlock_destroy(&rw_); }
  WriterFirstSharedMutex(const WriterFirstSharedMutex&) = delete;
  WriterFirstSharedMutex& operator=(const WriterFirstSharedMutex&) = delete;

  void lock() { Check(pthread_rwlock_wrlock(&rw_)); }
  bool try_lock() { return pthread_rwlock_trywrlock(&rw_) == 0; }
  void unlock() { pthread_rwlock_unlock(&rw_); }
  void lock_shared() {
    int e;
    while ((e = pthread_rwlock_rdlock(&rw_)) == EAGAIN) {  // too many readers at once
    }
    Check(e);
  }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&rw_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&rw_); }

 private:
  static void Check(int e) {
    if (e != 0) throw std::system_error(e, std::generic_category(), "WriterFirstSharedMutex");
  }
  pthread_rwlock_t rw_;
};

}  // namespace openecs
