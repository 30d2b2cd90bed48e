extension TagQuery {
    /// Query parameters that `init(parameters:)` reads.
    static let parameterNames: Set<String> = ["sort", "order", "include", "exclude", "hide_signatures", "limit"]

    /// Reads the query from URL query parameters. Absent parameters keep their defaults.
    /// - Throws: `QueryError` naming the first invalid parameter.
    init(parameters request: HTTPRequest) throws(QueryError) {
        self.init()
        if let text = request.queryValue("sort") { try setSort(text) }
        if let text = request.queryValue("order") { try setOrder(text) }
        if let text = request.queryValue("include") { try setInclude(text) }
        if let text = request.queryValue("exclude") { try setExclude(text) }
        if let text = request.queryValue("limit") { try setLimit(text) }
        if let text = request.queryValue("hide_signatures") {
            hideSignatures = try Self.parseSwitch(text, parameter: "hide_signatures")
        }
    }

    /// Reads a switch parameter: `1` or `true` turn it on, `0` or `false` off.
    static func parseSwitch(_ text: String, parameter: String) throws(QueryError) -> Bool {
        switch text {
        case "1", "true": return true
        case "0", "false": return false
        default:
            throw QueryError(
                parameter: parameter, message: "invalid \(parameter) \(JSONText.string(text)); use 1, 0, true or false")
        }
    }
}
