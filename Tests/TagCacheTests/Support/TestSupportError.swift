/// A failure of a tool or server that a test started, with a message that names the tool, the value and the next step.
struct TestSupportError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
