/// HTTP header fields in the order received. Names compare case-insensitively, and a name may repeat.
struct HTTPHeaders: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    struct Field: Sendable, Equatable {
        var name: String
        var value: String
    }

    private(set) var fields: [Field] = []

    init() {}

    init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The first value of `name`, or nil when the field is absent.
    subscript(name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// Returns every value of `name`, in order. A field sent as several lines yields one value per line.
    func values(for name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }
}
