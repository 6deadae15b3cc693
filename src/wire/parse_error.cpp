// SPDX-License-Identifier: BSD-3-Clause
#include "ecmh/wire/parse_error.hpp"

namespace ecmh::wire {

std::string_view to_string(ParseError error) {
    switch (error) {
    case ParseError::Truncated:
        return "truncated";
    case ParseError::BadLength:
        return "bad-length";
    case ParseError::BadVersion:
        return "bad-version";
    case ParseError::UnknownEtherType:
        return "unknown-ethertype";
    case ParseError::ExtensionChainTooLong:
        return "extension-chain-too-long";
    case ParseError::HopByHopNotFirst:
        return "hop-by-hop-not-first";
    case ParseError::BadOption:
        return "bad-option";
    case ParseError::UnknownOptionDiscard:
        return "unknown-option-discard";
    case ParseError::JumboPayload:
        return "jumbo-payload";
    case ParseError::RoutingHeader:
        return "routing-header";
    case ParseError::UnsupportedNextHeader:
        return "unsupported-next-header";
    case ParseError::BadHeaderChecksum:
        return "bad-header-checksum";
    case ParseError::SourceRoute:
        return "source-route";
    case ParseError::Fragmented:
        return "fragmented";
    case ParseError::NonFirstFragment:
        return "non-first-fragment";
    case ParseError::BadChecksum:
        return "bad-checksum";
    case ParseError::UnknownType:
        return "unknown-type";
    case ParseError::BadQueryLength:
        return "bad-query-length";
    case ParseError::RecordOverrun:
        return "record-overrun";
    case ParseError::SourcesInGeneralQuery:
        return "sources-in-general-query";
    case ParseError::InvalidGroup:
        return "invalid-group";
    case ParseError::HopLimitNotOne:
        return "hop-limit-not-one";
    case ParseError::SourceNotLinkLocal:
        return "source-not-link-local";
    case ParseError::MissingRouterAlert:
        return "missing-router-alert";
    case ParseError::BadRouterAlert:
        return "bad-router-alert";
    case ParseError::NotTunnel:
        return "not-tunnel";
    case ParseError::NestedTunnel:
        return "nested-tunnel";
    case ParseError::SixToFourAnycast:
        return "6to4-anycast";
    }
    return "unknown";
}

} // namespace ecmh::wire
