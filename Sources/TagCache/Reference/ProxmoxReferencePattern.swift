/// The reference pattern that Proxmox VE's `query-oci-repo-tags` API method checks its `reference` parameter
/// against, as a linear-time matcher:
///
///     ^(?:(?:[a-zA-Z\d]|[a-zA-Z\d][a-zA-Z\d-]*[a-zA-Z\d])(?:\.(?:[a-zA-Z\d]|[a-zA-Z\d][a-zA-Z\d-]*[a-zA-Z\d]))*
///     (?::\d+)?/)?[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*(?:/[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*)*$
///
/// (one regex, broken after `)*`). Compared with `ImageReference.parse(_:)` it accepts any run of digits as a
/// port, uppercase in a first component that docker reads as a path (`Foo/bar`) and paths over 255
/// characters. It rejects IPv6 literals and the `docker://` prefix. A backtracking engine takes exponential
/// time on this pattern, so it is matched by hand.
enum ProxmoxReferencePattern {
    /// Returns whether the whole of `text` matches the pattern, with the semantics of Perl and Python `re` for
    /// character strings.
    ///
    /// Two quirks of those engines are kept on purpose. `$` also matches before one final `"\n"`, so
    /// `"debian\n"` matches. `\d` matches every Unicode decimal digit (category Nd), such as `"٣"`, while
    /// `[a-z]` and `[a-zA-Z]` stay ASCII.
    ///
    /// NOTE: Whether Proxmox VE matches a decoded character string is not checked. On a byte string, Perl's
    /// `\d` matches only 0-9.
    static func matches(_ text: String) -> Bool {
        var scalars = Array(text.unicodeScalars)
        if scalars.last == "\n" {
            scalars.removeLast()
        }
        let candidate = scalars[...]

        // The optional registry prefix contains no "/" and ends with one, so if present it ends at the first
        // "/". Trying "no prefix" and "prefix up to the first slash" covers every way the regex can match.
        if matchesPath(candidate) {
            return true
        }
        guard let slash = candidate.firstIndex(of: "/") else {
            return false
        }
        return matchesDomain(candidate[..<slash]) && matchesPath(candidate[(slash + 1)...])
    }

    /// Returns whether `scalars` matches `host(:\d+)?`, where the host is dot-separated labels of ASCII letters
    /// and digits with inner hyphens.
    private static func matchesDomain(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        var host = scalars
        if let colon = scalars.firstIndex(of: ":") {
            host = scalars[..<colon]
            let port = scalars[(colon + 1)...]
            if port.isEmpty || !port.allSatisfy(isDigit) {
                return false
            }
        }

        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last else {
                return false
            }
            if !isLetterOrDigit(first) || !isLetterOrDigit(last) {
                return false
            }
            if !label.allSatisfy({ isLetterOrDigit($0) || $0 == "-" }) {
                return false
            }
        }
        return true
    }

    /// Returns whether `scalars` is one or more path components separated by single slashes.
    private static func matchesPath(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        scalars.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(matchesPathComponent)
    }

    /// Returns whether `scalars` matches `[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*`. Such a component starts and
    /// ends with an alphanumeric, and every run of other characters in it is `.`, `_`, `__` or only hyphens.
    /// The empty separator that `[-]*` allows changes nothing, because alphanumeric runs may split anywhere.
    private static func matchesPathComponent(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let first = scalars.first, let last = scalars.last,
              isLowercaseOrDigit(first), isLowercaseOrDigit(last)
        else {
            return false
        }

        // A valid separator is one kind of character only, so counting each kind is enough.
        var dots = 0
        var underscores = 0
        var hyphens = 0
        for scalar in scalars {
            switch scalar {
            case ".": dots += 1
            case "_": underscores += 1
            case "-": hyphens += 1
            default:
                guard isLowercaseOrDigit(scalar) else {
                    return false
                }
                let isHyphens = dots == 0 && underscores == 0
                let isDot = dots == 1 && underscores == 0 && hyphens == 0
                let isUnderscores = dots == 0 && underscores <= 2 && hyphens == 0
                if !isHyphens && !isDot && !isUnderscores {
                    return false
                }
                dots = 0
                underscores = 0
                hyphens = 0
            }
        }
        return true
    }

    /// `\d` for character strings in Perl and Python: any Unicode decimal digit.
    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .decimalNumber
    }

    /// `[a-zA-Z\d]`.
    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || isDigit(scalar)
    }

    /// `[a-z\d]`.
    private static func isLowercaseOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || isDigit(scalar)
    }
}
