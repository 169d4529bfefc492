// Owning a C library's object (an OpenSSL BIO, a curl handle, ...) with the
// function that library frees it with, instead of one deleter struct per type:
//   OwnedBy<BIO, BIO_free> bio(BIO_new_mem_buf(...));
#pragma once

#include <memory>

namespace azdns {

template <auto free_function>
struct FreedBy {
    template <class T>
    void operator()(T* object) const {
        free_function(object);
    }
};

template <class T, auto free_function>
using OwnedBy = std::unique_ptr<T, FreedBy<free_function>>;

}  // namespace azdns
