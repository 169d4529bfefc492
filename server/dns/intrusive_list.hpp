// A doubly linked list through hooks inside the elements: O(1) insert,
// remove and move-to-back with no allocation. TCP connections live in one,
// ordered by last activity, so the idle timer and the client limit both look
// only at the front.
#pragma once

#include <cstddef>

namespace azdns {

template <class T>
struct ListHook {
    T* prev = nullptr;
    T* next = nullptr;
    bool linked = false;
};

template <class T, ListHook<T> T::*Hook>
class IntrusiveList {
public:
    IntrusiveList() = default;
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    [[nodiscard]] bool empty() const { return head_ == nullptr; }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] T* front() const { return head_; }
    [[nodiscard]] static T* next(const T& item) { return (item.*Hook).next; }

    void push_back(T& item) {
        ListHook<T>& hook = item.*Hook;
        if (hook.linked) return;
        hook.prev = tail_;
        hook.next = nullptr;
        hook.linked = true;
        if (tail_ != nullptr) (tail_->*Hook).next = &item;
        else head_ = &item;
        tail_ = &item;
        ++size_;
    }

    void remove(T& item) {
        ListHook<T>& hook = item.*Hook;
        if (!hook.linked) return;
        if (hook.prev != nullptr) (hook.prev->*Hook).next = hook.next;
        else head_ = hook.next;
        if (hook.next != nullptr) (hook.next->*Hook).prev = hook.prev;
        else tail_ = hook.prev;
        hook = {};
        --size_;
    }

    void move_to_back(T& item) {
        if (tail_ == &item) return;
        remove(item);
        push_back(item);
    }

private:
    T* head_ = nullptr;
    T* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace azdns
