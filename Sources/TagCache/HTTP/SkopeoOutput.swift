/// The JSON document `skopeo list-tags` prints, in its formatting: 4-space indent, `"key": value`, unescaped `/`,
/// `[]` for no tags, and a trailing newline.
public enum SkopeoOutput {
    public static func listTags(repository: String, tags: [String]) -> String {
        var text = "{\n    \"Repository\": \(JSONText.string(repository)),\n    \"Tags\": "
        if tags.isEmpty {
            text += "[]"
        } else {
            text += "[\n"
            text += tags.map { "        " + JSONText.string($0) }.joined(separator: ",\n")
            text += "\n    ]"
        }
        return text + "\n}\n"
    }
}
