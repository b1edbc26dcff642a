/// Lexical path helpers (no file system access).
public enum Path {
    /// Joins `child` under `base`; an absolute child is taken relative to base.
    public static func join(_ base: String, _ child: String) -> String {
        if child.isEmpty { return base }
        if base.isEmpty { return child }
        let trimmedBase = base.hasSuffix("/") ? String(base.dropLast()) : base
        let trimmedChild = child.hasPrefix("/") ? String(child.dropFirst()) : child
        return trimmedBase + "/" + trimmedChild
    }

    public static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func basename(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Removes ".", "..", and duplicate slashes. ".." never climbs above the
    /// start of an absolute path ("/../a" is "/a").
    public static func clean(_ path: String) -> String {
        let absolute = path.utf8.first == UInt8(ascii: "/")
        var parts = [Substring]()
        // Already clean (the usual case): no empty, "." or ".." part, no
        // trailing slash; then the path is returned as it is.
        var changed = path.isEmpty || (path.utf8.count > 1 && path.utf8.last == UInt8(ascii: "/"))
        let pieces = path.split(byte: UInt8(ascii: "/"), omittingEmpty: false)
        for (index, part) in pieces.enumerated() {
            if part.isEmpty {
                if index != 0 || !absolute { changed = true }
                continue
            }
            if part.isBytes(".") {
                changed = true
                continue
            }
            if part.isBytes("..") {
                changed = true
                if let last = parts.last, !last.isBytes("..") {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
                continue
            }
            parts.append(part)
        }
        if !changed { return path }
        let body = parts.joined(separator: "/")
        if absolute { return "/" + body }
        return body.isEmpty ? "." : body
    }

    /// Makes `path` absolute against `cwd` and cleans it.
    public static func absolute(_ path: String, cwd: String) -> String {
        clean(path.hasPrefix("/") ? path : cwd + "/" + path)
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (and newlines).
    public var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
