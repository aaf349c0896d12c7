// WriterFirstSharedMutex (common/rw_lock.h): a writer that waits keeps the readers that come
// after it out, and gets the lock once the readers already in leave.
#include "common/rw_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <thread>

namespace openecs {
namespace {

TEST(WriterFirstSharedMutexTest, AWaitingWriterGoesBeforeLaterReaders) {
  WriterFirstSharedMutex mu;
  mu.lock_shared();  // a reader in
  EXPECT_TRUE(mu.try_lock_shared()) << "readers share it while no writer waits";
  mu.unlock_shared();
  std::atomic<bool> wrote{false};
  std::thread writer([&] {
    std::unique_lock lock(mu);
    wrote = true;
  });
  // Once the writer waits, a new reader is kept out (a reader-first lock lets it in forever).
  bool kept_out = false;
  for (int i = 0; i < 500 && !kept_out; ++i) {
    if (mu.try_lock_shared()) {
      mu.unlock_shared();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } else {
      kept_out = true;
    }
  }
  EXPECT_TRUE(kept_out) << "a reader got in for 5 s while a writer waited";
  EXPECT_FALSE(wrote) << "the writer got in while a reader held the lock";
  mu.unlock_shared();  // the first reader leaves: the writer goes
  writer.join();
  EXPECT_TRUE(wrote);
  std::shared_lock again(mu);  // and readers after it
  EXPECT_TRUE(again.owns_lock());
}

TEST(WriterFirstSharedMutexTest, TakingItAgainUnderTheExclusiveHoldThrowsRatherThanGoOnUnlocked) {
  WriterFirstSharedMutex mu;
  std::unique_lock exclusive(mu);
  // glibc answers EDEADLK; ignoring it would let the caller run as if it held the lock, and its
  // unlock would release the exclusive hold.
  EXPECT_THROW(mu.lock_shared(), std::system_error);
  EXPECT_THROW(mu.lock(), std::system_error);
  EXPECT_TRUE(exclusive.owns_lock());
  EXPECT_FALSE(mu.try_lock_shared()) << "the exclusive hold is still there";
}

}  // namespace
}  // namespace openecs
