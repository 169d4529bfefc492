// Reads a stdio stream one line at a time, holding at most a fixed number
// of bytes of any line: a file that is one endless line costs no more memory
// than a short one. The rest of a longer line is skipped, and can be looked
// at piece by piece on the way (the tokenizer still counts its parentheses).
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace azdns {

class BoundedLineReader {
public:
    // Reads `file` (owned by the caller); keeps at most `max_line` + 1 bytes of a line.
    BoundedLineReader(std::FILE* file, std::size_t max_line);

    // The next line without its '\n': whole when it has at most `max_line`
    // + 1 bytes, else those first bytes and cut() is true. False at the end
    // of the stream (or on a read error: see the stream's ferror). The view
    // is valid until the next call.
    [[nodiscard]] bool next(std::string_view& line);
    // The last line had more bytes than next() gave.
    [[nodiscard]] bool cut() const { return cut_; }
    // After a cut line: reads on to its end, handing each piece to `each`.
    // next() skips it without a look otherwise.
    void skip_rest(const std::function<void(std::string_view)>& each);

private:
    bool fill();

    std::FILE* file_;
    std::size_t max_kept_;  // max_line + 1
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  // the unread part of buffer_
    std::string joined_;  // a line that spans two reads of buffer_
    bool cut_ = false;
};

}  // namespace azdns
