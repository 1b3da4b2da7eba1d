using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses;

/// <summary>
/// Responses "namespace" tools group functions under a name N. Warden flattens each inner function into a plain
/// function named "N__fname" carrying the extension "responses.namespace" = N, so every dialect sees functions;
/// a namespaced function_call item (name "fname", namespace "N") becomes a call of "N__fname" and back.
/// </summary>
public static class ResponsesNamespaces
{
    /// <summary>Joins a namespace and a function name.</summary>
    public const string Separator = "__";

    /// <summary>The extension naming a flattened function's namespace (a JSON string).</summary>
    public const string NamespaceKey = "responses.namespace";

    /// <summary>The extension keeping the namespace's description on its flattened functions.</summary>
    public const string DescriptionKey = "responses.namespace_description";

    public static string Join(string ns, string name) => ns + Separator + name;

    /// <summary>The namespaces the request declared (from its flattened functions).</summary>
    public static HashSet<string> Declared(CanonicalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in request.Tools)
        {
            if (NamespaceOf(tool) is { } ns)
            {
                names.Add(ns);
            }
        }

        return names;
    }

    /// <summary>The namespace a flattened function belongs to, or null.</summary>
    public static string? NamespaceOf(ToolDefinition tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return tool.Extensions is { } ext && ext.TryGetValue(NamespaceKey, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            ? value.GetString()
            : null;
    }

    /// <summary>Splits "N__fname" into (N, fname) when N is one of <paramref name="declared"/>.</summary>
    public static bool TrySplit(string name, IReadOnlySet<string> declared, out string ns, out string inner)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(declared);
        ns = string.Empty;
        inner = name;
        int at = name.IndexOf(Separator, StringComparison.Ordinal);
        while (at > 0)
        {
            string candidate = name[..at];
            if (declared.Contains(candidate) && at + Separator.Length < name.Length)
            {
                ns = candidate;
                inner = name[(at + Separator.Length)..];
                return true;
            }

            at = name.IndexOf(Separator, at + 1, StringComparison.Ordinal);
        }

        return false;
    }
}
