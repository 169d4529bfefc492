// Stops a secondary's blocking exchanges with its primaries from another
// thread (azdns stopping): every socket in use is shut down, which wakes the
// poll(2) it waits in at once, and each call, seeing cancelled(), returns
// "cancelled". One TransferCancel may serve any number of calls at once.
#pragma once

#include <mutex>
#include <vector>

namespace azdns {

class TransferCancel {
public:
    // Every call using this, now and later, returns promptly.
    void cancel();
    [[nodiscard]] bool cancelled() const;

    // A socket watched while a call uses it: cancel() shuts it down. The
    // call must drop it before closing the socket, so that cancel() never
    // reaches a descriptor number reused by someone else.
    class Watch {
    public:
        Watch(TransferCancel& cancel, int fd);
        ~Watch();
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;

    private:
        TransferCancel& cancel_;
        int fd_;
    };

private:
    mutable std::mutex mutex_;
    bool cancelled_ = false;
    std::vector<int> sockets_;
};

}  // namespace azdns
