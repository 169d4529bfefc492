#include "transfer_cancel.hpp"

#include <sys/socket.h>

#include <algorithm>

namespace azdns {

void TransferCancel::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
}

bool TransferCancel::cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
}

TransferCancel::Watch::Watch(TransferCancel& cancel, int fd) : cancel_(cancel), fd_(fd) {
    std::lock_guard lock(cancel_.mutex_);
    cancel_.sockets_.push_back(fd_);
    // Cancelled before the socket was watched: it is shut down all the same.
    if (cancel_.cancelled_) ::shutdown(fd_, SHUT_RDWR);
}

TransferCancel::Watch::~Watch() {
    std::lock_guard lock(cancel_.mutex_);
    cancel_.sockets_.erase(std::find(cancel_.sockets_.begin(), cancel_.sockets_.end(), fd_));
}

}  // namespace azdns
