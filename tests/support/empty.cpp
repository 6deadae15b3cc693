// SPDX-License-Identifier: BSD-3-Clause
// Keeps the support library non-empty before any helper exists.
namespace ecmh::test {
void support_library_anchor() {}
} // namespace ecmh::test
