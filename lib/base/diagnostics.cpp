#include "diagnostics.hpp"

namespace azdns {

const std::string& FileName::empty_path() {
    static const std::string empty;
    return empty;
}

std::string Diagnostic::to_string() const {
    std::string out = where.file.str();
    out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column) + ": ";
    if (severity == Severity::warning) out += "warning: ";
    out += message;
    return out;
}

void Diagnostics::add(Diagnostic diagnostic) {
    if (items_.size() < max_listed_) {
        items_.push_back(std::move(diagnostic));
    } else {
        ++unlisted_;
    }
}

void Diagnostics::error(SourceLocation where, std::string message) {
    add({Severity::error, std::move(where), std::move(message)});
    ++error_count_;
}

void Diagnostics::warning(SourceLocation where, std::string message) {
    add({Severity::warning, std::move(where), std::move(message)});
    ++warning_count_;
}

void Diagnostics::note_unlisted(SourceLocation where, std::string_view what) {
    if (unlisted_ == 0) return;
    items_.push_back({Severity::note, std::move(where),
                      "... and " + std::to_string(unlisted_) + " more errors and warnings in " + std::string(what) +
                          " (the first " + std::to_string(max_listed_) + " are listed)"});
}

void Diagnostics::merge(const Diagnostics& other) {
    for (const Diagnostic& diagnostic : other.items_) {
        if (diagnostic.severity == Severity::note) {
            items_.push_back(diagnostic);  // says what the cap left out: always kept
        } else {
            add(diagnostic);
        }
    }
    error_count_ += other.error_count_;
    warning_count_ += other.warning_count_;
    unlisted_ += other.unlisted_;
}

}  // namespace azdns
