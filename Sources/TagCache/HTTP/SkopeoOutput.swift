/// The JSON document `skopeo list-tags` prints, in its formatting: 4-space indent, `"key": value`, unescaped `/`,
/// `[]` for no tags, and a trailing newline.
public enum SkopeoOutput {
    public static func listTags(repository: String, tags: [String]) -> String {
        String(decoding: listTagsUTF8(repository: repository, tags: tags), as: UTF8.self)
    }

    /// Returns the document as UTF-8 bytes, ready to write.
    public static func listTagsUTF8(repository: String, tags: [String]) -> [UInt8] {
        let header = "{\n    \"Repository\": "
        let indent = "        "
        var length = header.utf8.count + repository.utf8.count + 40
        for tag in tags {
            length += indent.utf8.count + tag.utf8.count + 4
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)

        bytes.append(contentsOf: header.utf8)
        JSONText.appendString(repository, to: &bytes)
        bytes.append(contentsOf: ",\n    \"Tags\": ".utf8)
        if tags.isEmpty {
            bytes.append(contentsOf: "[]".utf8)
        } else {
            bytes.append(contentsOf: "[\n".utf8)
            for (index, tag) in tags.enumerated() {
                if index > 0 {
                    bytes.append(contentsOf: ",\n".utf8)
                }
                bytes.append(contentsOf: indent.utf8)
                JSONText.appendString(tag, to: &bytes)
            }
            bytes.append(contentsOf: "\n    ]".utf8)
        }
        bytes.append(contentsOf: "\n}\n".utf8)
        return bytes
    }
}
