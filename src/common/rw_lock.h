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
#include <pthread.h>

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

  void lock() { pthread_rwlock_wrlock(&rw_); }
  bool try_lock() { return pthread_rwlock_trywrlock(&rw_) == 0; }
  void unlock() { pthread_rwlock_unlock(&rw_); }
  void lock_shared() { pthread_rwlock_rdlock(&rw_); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&rw_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&rw_); }

 private:
  pthread_rwlock_t rw_;
};

}  // namespace openecs
