#include "CRE2.h"

#include <cstdlib>
#include <cstring>
#include <re2/re2.h>

struct tc_re2 {
    re2::RE2 expression;

    tc_re2(const re2::StringPiece &pattern, const re2::RE2::Options &options) : expression(pattern, options) {}
};

static char *copy_message(const std::string &message) {
    char *copy = static_cast<char *>(std::malloc(message.size() + 1));
    if (copy != nullptr) {
        std::memcpy(copy, message.c_str(), message.size() + 1);
    }
    return copy;
}

tc_re2 *tc_re2_compile(const char *pattern, size_t length, long long max_memory, char **error) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(max_memory);

    tc_re2 *compiled = new tc_re2(re2::StringPiece(pattern, length), options);
    if (!compiled->expression.ok()) {
        *error = copy_message(compiled->expression.error());
        delete compiled;
        return nullptr;
    }
    return compiled;
}

int tc_re2_full_match(const tc_re2 *expression, const char *text, size_t length) {
    return re2::RE2::FullMatch(re2::StringPiece(text, length), expression->expression) ? 1 : 0;
}

void tc_re2_free(tc_re2 *expression) {
    delete expression;
}

void tc_re2_free_error(char *error) {
    std::free(error);
}
