/// The `tags/list` pages of one fetch. Follows `Link: rel="next"` (RFC 8288) and rejects a link that leaves the
/// registry's origin or returns to a page already read.
///
/// A pure value: the client feeds it each page's URL and `Link` values, so it is tested without a server.
struct PageChain {
    let reference: ImageReference

    /// Every page URL handed out so far, the first page included.
    private(set) var visited: Set<String>

    init(reference: ImageReference, firstPage: HTTPURL) {
        self.reference = reference
        self.visited = [firstPage.description]
    }

    /// Returns the URL of the page after `page`, or nil when `linkValues` contains no `rel="next"` link.
    ///
    /// - Parameter linkValues: Every `Link` header value of the response to `page`, in order.
    /// - Throws: `FetchError.invalidResponse` for an unparsable header, a target on another scheme, host or port,
    ///   or a target already visited.
    mutating func nextPage(after page: HTTPURL, linkValues: [String]) throws(FetchError) -> HTTPURL? {
        guard let target = try nextTarget(in: linkValues, page: page) else { return nil }

        guard let next = page.resolving(target) else {
            throw FetchError(
                .invalidResponse,
                "registry \(reference.registry) sent an invalid next-page link <\(target)> for repository "
                    + "\(reference.path); only http and https URLs without user information are followed")
        }
        guard next.hasSameOrigin(as: page) else {
            throw FetchError(
                .invalidResponse,
                "registry \(reference.registry) sent a next-page link to \(next) for repository "
                    + "\(reference.path), which is not on \(page.scheme)://\(page.authority); tagcache follows "
                    + "pagination only on the registry itself, so report this to the registry's operator")
        }
        guard visited.insert(next.description).inserted else {
            throw FetchError(
                .invalidResponse,
                "registry \(reference.registry) sent a next-page link back to \(next), already read for "
                    + "repository \(reference.path); its pagination loops, so report this to the registry's operator")
        }
        return next
    }

    private func nextTarget(in linkValues: [String], page: HTTPURL) throws(FetchError) -> String? {
        for value in linkValues {
            let links: [LinkHeader.Link]
            do {
                links = try LinkHeader.parse(value)
            } catch {
                throw FetchError(
                    .invalidResponse,
                    "registry \(reference.registry) sent an invalid Link header on \(page): \(error); "
                        + "report this to the registry's operator")
            }
            if let next = links.first(where: { $0.relations.contains("next") }) {
                return next.target
            }
        }
        return nil
    }
}
