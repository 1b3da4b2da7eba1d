using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects.Responses;

namespace Warden.Server.Relay;

/// <summary>
/// The tool names a request offered the model, in the form the dialects' decoders give a call's name: the names a
/// returned tool call may use (<see cref="ToolCallGuard"/>). Built-in tools a provider runs itself are listed too when
/// they have a name, which only widens what is allowed; their own calls (Anthropic server_tool_use, Responses
/// web_search_call, ...) are not client tool calls and never reach the check.
/// </summary>
internal sealed class DeclaredTools
{
    private readonly HashSet<string> _names;
    private readonly HashSet<string> _types;

    private DeclaredTools(HashSet<string> names, HashSet<string> types)
    {
        _names = names;
        _types = types;
    }

    public int Count => _names.Count;

    public bool Contains(string? name) => name is { Length: > 0 } && _names.Contains(name);

    /// <summary>Whether a tool of this type was declared (Responses' nameless client-run tools: local_shell, shell, apply_patch, …).</summary>
    public bool ContainsType(string type) => _types.Contains(type);

    /// <summary>The tools of a decoded request (the translating relay has one).</summary>
    public static DeclaredTools From(CanonicalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in request.Tools)
        {
            if (tool.Name is { Length: > 0 } name)
            {
                names.Add(name);
            }

            types.Add(tool.Kind);
        }

        return new DeclaredTools(names, types);
    }

    /// <summary>
    /// The tools of a raw request body of any dialect, for the pass-through relays, read only when an answer calls a tool:
    /// the top-level <c>tools</c> (and Chat's legacy <c>functions</c>) are parsed, the rest of the body is skipped.
    /// Names are taken where each dialect puts them: <c>name</c> (Anthropic, Responses, legacy functions),
    /// <c>function.name</c> and <c>custom.name</c> (Chat), <c>functionDeclarations[].name</c> (Gemini, either
    /// spelling), and a Responses namespace's functions as "namespace__name" (<see cref="ResponsesNamespaces"/>).
    /// </summary>
    public static DeclaredTools FromBody(ReadOnlySpan<byte> body)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var types = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = Core.Dialects.OpenAIChat.ChatRequestInspector.MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new DeclaredTools(names, types);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool tools = reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8);
                reader.Read();
                if (tools && reader.TokenType == JsonTokenType.StartArray)
                {
                    using var document = JsonDocument.ParseValue(ref reader);
                    foreach (var tool in document.RootElement.EnumerateArray())
                    {
                        AddTool(tool, names, types);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // The body was validated before it was relayed; whatever was read before a surprise still counts, nothing more.
        }

        return new DeclaredTools(names, types);
    }

    private static void AddTool(JsonElement tool, HashSet<string> names, HashSet<string> types)
    {
        if (tool.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (tool.TryGetProperty("type"u8, out var declaredType) && declaredType.ValueKind == JsonValueKind.String)
        {
            types.Add(declaredType.GetString()!);
        }

        AddName(tool, names, prefix: null);
        foreach (var nested in (ReadOnlySpan<string>)["function", "custom"])
        {
            if (tool.TryGetProperty(nested, out var inner) && inner.ValueKind == JsonValueKind.Object)
            {
                AddName(inner, names, prefix: null);
            }
        }

        foreach (var list in (ReadOnlySpan<string>)["functionDeclarations", "function_declarations"])
        {
            if (tool.TryGetProperty(list, out var declarations) && declarations.ValueKind == JsonValueKind.Array)
            {
                foreach (var declaration in declarations.EnumerateArray())
                {
                    AddName(declaration, names, prefix: null);
                }
            }
        }

        if (tool.TryGetProperty("type"u8, out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("namespace"u8)
            && tool.TryGetProperty("name"u8, out var ns) && ns.ValueKind == JsonValueKind.String
            && tool.TryGetProperty("tools"u8, out var functions) && functions.ValueKind == JsonValueKind.Array)
        {
            foreach (var function in functions.EnumerateArray())
            {
                AddName(function, names, ns.GetString());
            }
        }
    }

    private static void AddName(JsonElement element, HashSet<string> names, string? prefix)
    {
        if (element.ValueKind == JsonValueKind.Object
            && element.TryGetProperty("name"u8, out var name)
            && name.ValueKind == JsonValueKind.String
            && name.GetString() is { Length: > 0 } text)
        {
            names.Add(prefix is null ? text : ResponsesNamespaces.Join(prefix, text));
        }
    }
}
