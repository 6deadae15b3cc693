// SPDX-License-Identifier: BSD-3-Clause
#include "support/json_check.hpp"

#include <cctype>
#include <cstring>

namespace ecmh::test {
namespace {

class Checker {
public:
    explicit Checker(std::string_view text) : s_(text) {}

    bool document() {
        space();
        if (!value(0)) {
            return false;
        }
        space();
        return at_ == s_.size();
    }

private:
    static constexpr int kMaxDepth = 64;

    void space() {
        while (at_ < s_.size() && std::strchr(" \t\r\n", s_[at_]) != nullptr) {
            ++at_;
        }
    }
    bool eat(char c) {
        if (at_ < s_.size() && s_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }
    bool literal(std::string_view word) {
        if (s_.substr(at_, word.size()) == word) {
            at_ += word.size();
            return true;
        }
        return false;
    }
    bool digits() {
        const auto start = at_;
        while (at_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[at_])) != 0) {
            ++at_;
        }
        return at_ > start;
    }
    bool number() {
        eat('-');
        if (eat('0')) {
            // no leading zeros
        } else if (!digits()) {
            return false;
        }
        if (eat('.') && !digits()) {
            return false;
        }
        if (eat('e') || eat('E')) {
            if (!eat('+')) {
                eat('-');
            }
            return digits();
        }
        return true;
    }
    bool string() {
        if (!eat('"')) {
            return false;
        }
        while (at_ < s_.size()) {
            const auto c = static_cast<unsigned char>(s_[at_++]);
            if (c == '"') {
                return true;
            }
            if (c < 0x20) {
                return false; // raw control characters are not allowed
            }
            if (c == '\\') {
                if (at_ >= s_.size()) {
                    return false;
                }
                const char e = s_[at_++];
                if (e == 'u') {
                    for (int i = 0; i < 4; ++i) {
                        if (at_ >= s_.size() ||
                            std::isxdigit(static_cast<unsigned char>(s_[at_++])) == 0) {
                            return false;
                        }
                    }
                } else if (std::strchr("\"\\/bfnrt", e) == nullptr) {
                    return false;
                }
            }
        }
        return false;
    }
    template <class F>
    bool sequence(char close, F&& item) {
        space();
        if (eat(close)) {
            return true;
        }
        do {
            space();
            if (!item()) {
                return false;
            }
            space();
        } while (eat(','));
        return eat(close);
    }
    bool value(int depth) {
        if (depth > kMaxDepth || at_ >= s_.size()) {
            return false;
        }
        switch (s_[at_]) {
        case '{':
            ++at_;
            return sequence('}', [&] {
                if (!string()) {
                    return false;
                }
                space();
                if (!eat(':')) {
                    return false;
                }
                space();
                return value(depth + 1);
            });
        case '[':
            ++at_;
            return sequence(']', [&] { return value(depth + 1); });
        case '"':
            return string();
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number();
        }
    }

    std::string_view s_;
    std::size_t at_ = 0;
};

} // namespace

bool valid_json(std::string_view text) {
    return Checker(text).document();
}

} // namespace ecmh::test
