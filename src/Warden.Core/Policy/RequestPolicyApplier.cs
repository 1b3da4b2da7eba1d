using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;

namespace Warden.Core.Policy;

/// <summary>
/// Applies a channel's declared <see cref="RequestPolicy"/> to a request body in the upstream's wire dialect. Pure:
/// bytes in, bytes and change names out. Bytes the policy does not touch are copied unchanged, so a pass-through
/// request stays byte-exact apart from the declared changes.
/// </summary>
/// <remarks>
/// Order: overrides first, then the system prefix, then the output cap, so an override can never lift the cap. When
/// an OpenAI Chat request names no output limit the cap is written as <c>max_tokens</c>: DeepSeek, Ollama and older
/// vLLM document only that name (vLLM accepts both), and a vendor that ignored an unknown
/// <c>max_completion_tokens</c> would leave the cap silently unenforced; OpenAI's reasoning models refuse
/// <c>max_tokens</c> with a 400 naming the field, a loud failure rather than a silent one.
/// </remarks>
public static class RequestPolicyApplier
{
    /// <summary>Change name prefix for an override (the field name follows).</summary>
    public const string OverrideChange = "policy:override:";

    /// <summary>Change name for a system prefix.</summary>
    public const string SystemPrefixChange = "policy:system_prefix";

    /// <summary>Change name prefix for an output cap (the cap follows).</summary>
    public const string MaxOutputTokensChange = "policy:max_output_tokens=";

    /// <summary>
    /// Applies <paramref name="policy"/> to <paramref name="body"/>. Returns null when the policy changes nothing for
    /// this body, else the new body and one change name per change applied.
    /// </summary>
    /// <exception cref="FormatException">
    /// The body is not one JSON object, or a field the policy must change has a shape the dialect does not allow
    /// (say <c>messages</c> that is not an array). A body the policy cannot be applied to is never sent as it was.
    /// </exception>
    public static PolicyApplication? Apply(ReadOnlySpan<byte> body, WireDialectName dialect, RequestPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var layout = JsonObjectLayout.Read(body);
        var sites = WireDialects.For(dialect).PolicySites;
        byte[]? current = null;
        var changes = new List<string>();

        if (policy.Overrides.Count > 0)
        {
            var splice = new JsonSplice();
            bool hasMembers = layout.Members.Count > 0;
            foreach (var (field, raw) in policy.Overrides.OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                if (Override(body, layout, field, raw, splice, ref hasMembers))
                {
                    changes.Add(OverrideChange + field);
                }
            }

            if (!splice.IsEmpty)
            {
                current = splice.Apply(body);
            }
        }

        if (policy.SystemPrefix is { } prefix)
        {
            ReadOnlySpan<byte> text = current ?? body;
            var splice = new JsonSplice();
            var now = current is null ? layout : JsonObjectLayout.Read(text);
            switch (sites.SystemPrefix)
            {
                case SystemPrefixSite.LeadingSystemMessage:
                    PrefixChat(text, now, sites.SystemField, prefix, splice);
                    break;
                case SystemPrefixSite.TextOrBlocksField:
                    PrefixText(text, now, sites.SystemField, prefix, allowBlocks: true, splice);
                    break;
                case SystemPrefixSite.TextField:
                    PrefixText(text, now, sites.SystemField, prefix, allowBlocks: false, splice);
                    break;
                case SystemPrefixSite.GeminiSystemInstruction:
                    PrefixGemini(text, now, prefix, splice);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "Unknown system prefix site.");
            }

            current = splice.Apply(text);
            changes.Add(SystemPrefixChange);
        }

        if (policy.MaxOutputTokensCap is { } cap)
        {
            if (cap <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(policy), cap, "The output cap must be positive.");
            }

            ReadOnlySpan<byte> text = current ?? body;
            var now = current is null ? layout : JsonObjectLayout.Read(text);
            var splice = new JsonSplice();
            string[] fields = [.. sites.CapFields];
            bool capped = sites.OutputCap switch
            {
                OutputCapSite.TopLevel => Cap(text, now, fields, fields[0], cap, splice),
                OutputCapSite.GenerationConfig => CapGemini(text, now, fields, cap, splice),
                _ => throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "Unknown output cap site."),
            };
            if (capped)
            {
                current = splice.Apply(text);
                changes.Add(MaxOutputTokensChange + cap.ToString(CultureInfo.InvariantCulture));
            }
        }

        return changes.Count == 0 ? null : new PolicyApplication(current!, changes);
    }

    /// <summary>
    /// Replaces the top-level <c>model</c> string (an alias resolved to its model, for pass-through); every other byte
    /// is kept. A body without a <c>model</c> member (Gemini names the model in the URL) is returned as it was.
    /// </summary>
    /// <exception cref="FormatException">The body is not one JSON object.</exception>
    public static byte[] ReplaceModel(ReadOnlySpan<byte> body, string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layout = JsonObjectLayout.Read(body);
        byte[] value = JsonSplice.Json(w => w.WriteStringValue(model));
        var splice = new JsonSplice();
        foreach (var member in layout.Named("model"))
        {
            splice.Replace(member.ValueStart, member.ValueEnd, value);
        }

        return splice.Apply(body);
    }

    private static bool Override(ReadOnlySpan<byte> body, JsonObjectLayout layout, string field, string raw, JsonSplice splice, ref bool hasMembers)
    {
        using var wanted = ParseValue(raw, field);
        byte[] value = JsonSplice.Json(w => wanted.RootElement.WriteTo(w));
        var present = layout.Named(field);
        if (present.Count == 0)
        {
            // Several new members may go in at the same point: only the first into an empty object goes without a comma.
            splice.Insert(layout.InsertionPoint, JsonSplice.Member(field, value, hasMembers));
            hasMembers = true;
            return true;
        }

        bool changed = false;
        foreach (var member in present)
        {
            using var existing = JsonDocument.Parse(JsonObjectLayout.ValueOf(body, member).ToArray());
            if (!JsonElement.DeepEquals(existing.RootElement, wanted.RootElement))
            {
                splice.Replace(member.ValueStart, member.ValueEnd, value);
                changed = true;
            }
        }

        return changed;
    }

    private static JsonDocument ParseValue(string raw, string field)
    {
        try
        {
            return JsonDocument.Parse(raw);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The policy's override of '{field}' is not valid JSON.", ex);
        }
    }

    // OpenAI Chat: a system message goes first in "messages".
    private static void PrefixChat(ReadOnlySpan<byte> json, JsonObjectLayout layout, string field, string prefix, JsonSplice splice)
    {
        byte[] message = JsonSplice.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("role"u8, "system");
            w.WriteString("content"u8, prefix);
            w.WriteEndObject();
        });
        var messages = layout.Named(field);
        if (messages.Count == 0)
        {
            splice.Insert(layout.InsertionPoint, JsonSplice.Member(field, [(byte)'[', .. message, (byte)']'], layout.Members.Count > 0));
            return;
        }

        foreach (var member in messages)
        {
            InsertFirst(json, member, message, field, splice);
        }
    }

    // Anthropic "system" (a string or an array of text blocks) and Responses "instructions" (a string).
    private static void PrefixText(ReadOnlySpan<byte> json, JsonObjectLayout layout, string field, string prefix, bool allowBlocks, JsonSplice splice)
    {
        var present = layout.Named(field);
        if (present.Count == 0)
        {
            splice.Insert(layout.InsertionPoint, JsonSplice.Member(field, JsonSplice.Json(w => w.WriteStringValue(prefix)), layout.Members.Count > 0));
            return;
        }

        foreach (var member in present)
        {
            switch (member.Kind)
            {
                case JsonTokenType.Null:
                    splice.Replace(member.ValueStart, member.ValueEnd, JsonSplice.Json(w => w.WriteStringValue(prefix)));
                    break;
                case JsonTokenType.String:
                    using (var text = JsonDocument.Parse(JsonObjectLayout.ValueOf(json, member).ToArray()))
                    {
                        string existing = text.RootElement.GetString()!;
                        string combined = existing.Length == 0 ? prefix : prefix + "\n\n" + existing;
                        splice.Replace(member.ValueStart, member.ValueEnd, JsonSplice.Json(w => w.WriteStringValue(combined)));
                    }

                    break;
                case JsonTokenType.StartArray when allowBlocks:
                    InsertFirst(json, member, TextBlock(prefix), field, splice);
                    break;
                default:
                    throw new FormatException($"'{field}' must be {(allowBlocks ? "a string or an array of blocks" : "a string")} for the channel's system prefix to be applied.");
            }
        }
    }

    // Gemini: systemInstruction.parts gets a text part first; the object or its parts are created when absent.
    private static void PrefixGemini(ReadOnlySpan<byte> json, JsonObjectLayout layout, string prefix, JsonSplice splice)
    {
        byte[] part = JsonSplice.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("text"u8, prefix);
            w.WriteEndObject();
        });
        byte[] parts = [(byte)'[', .. part, (byte)']'];
        byte[] instruction = [.. "{\"parts\":"u8, .. parts, (byte)'}'];
        var present = layout.Named("systemInstruction", "system_instruction");
        if (present.Count == 0)
        {
            splice.Insert(layout.InsertionPoint, JsonSplice.Member("systemInstruction", instruction, layout.Members.Count > 0));
            return;
        }

        foreach (var member in present)
        {
            if (member.Kind == JsonTokenType.Null)
            {
                splice.Replace(member.ValueStart, member.ValueEnd, instruction);
                continue;
            }

            if (member.Kind != JsonTokenType.StartObject)
            {
                throw new FormatException($"'{member.Name}' must be an object for the channel's system prefix to be applied.");
            }

            var inner = JsonObjectLayout.Read(JsonObjectLayout.ValueOf(json, member), member.ValueStart);
            var innerParts = inner.Named("parts");
            if (innerParts.Count == 0)
            {
                splice.Insert(inner.InsertionPoint, JsonSplice.Member("parts", parts, inner.Members.Count > 0));
                continue;
            }

            foreach (var list in innerParts)
            {
                if (list.Kind == JsonTokenType.Null)
                {
                    splice.Replace(list.ValueStart, list.ValueEnd, parts);
                }
                else
                {
                    InsertFirst(json, list, part, member.Name + ".parts", splice);
                }
            }
        }
    }

    private static byte[] TextBlock(string text) => JsonSplice.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("type"u8, "text");
        w.WriteString("text"u8, text);
        w.WriteEndObject();
    });

    private static void InsertFirst(ReadOnlySpan<byte> json, JsonMember array, byte[] element, string field, JsonSplice splice)
    {
        if (array.Kind != JsonTokenType.StartArray)
        {
            throw new FormatException($"'{field}' must be an array for the channel's system prefix to be applied.");
        }

        var (inside, empty) = JsonObjectLayout.ArrayOpening(json, array);
        splice.Insert(inside, empty ? element : [.. element, (byte)',']);
    }

    // Gemini: generationConfig.maxOutputTokens (snake_case spellings accepted too, as the API does).
    private static bool CapGemini(ReadOnlySpan<byte> json, JsonObjectLayout layout, string[] fields, long cap, JsonSplice splice)
    {
        byte[] config = [.. "{\"maxOutputTokens\":"u8, .. Number(cap), (byte)'}'];
        var present = layout.Named("generationConfig", "generation_config");
        if (present.Count == 0)
        {
            splice.Insert(layout.InsertionPoint, JsonSplice.Member("generationConfig", config, layout.Members.Count > 0));
            return true;
        }

        bool changed = false;
        foreach (var member in present)
        {
            if (member.Kind == JsonTokenType.Null)
            {
                splice.Replace(member.ValueStart, member.ValueEnd, config);
                changed = true;
                continue;
            }

            if (member.Kind != JsonTokenType.StartObject)
            {
                throw new FormatException($"'{member.Name}' must be an object for the channel's output cap to be applied.");
            }

            var inner = JsonObjectLayout.Read(JsonObjectLayout.ValueOf(json, member), member.ValueStart);
            changed |= Cap(json, inner, fields, fields[0], cap, splice);
        }

        return changed;
    }

    /// <summary>
    /// Caps the output-limit members of one object: a number above the cap, or a value that is not a number (a lenient
    /// upstream might read "5000" as 5000), becomes the cap; null becomes the cap only when no member gives a number
    /// (null means "not set", and the other member's smaller limit must keep applying); no member at all adds
    /// <paramref name="defaultField"/>. Returns whether anything changed.
    /// </summary>
    private static bool Cap(ReadOnlySpan<byte> json, JsonObjectLayout layout, string[] fields, string defaultField, long cap, JsonSplice splice)
    {
        byte[] value = Number(cap);
        var present = layout.Named(fields);
        if (present.Count == 0)
        {
            splice.Insert(layout.InsertionPoint, JsonSplice.Member(defaultField, value, layout.Members.Count > 0));
            return true;
        }

        bool anyNumber = present.Any(m => m.Kind == JsonTokenType.Number);
        bool changed = false;
        foreach (var member in present)
        {
            bool replace = member.Kind switch
            {
                JsonTokenType.Number => Exceeds(JsonObjectLayout.ValueOf(json, member), cap),
                JsonTokenType.Null => !anyNumber,
                _ => true,
            };
            if (replace)
            {
                splice.Replace(member.ValueStart, member.ValueEnd, value);
                changed = true;
            }
        }

        return changed;
    }

    private static bool Exceeds(ReadOnlySpan<byte> number, long cap)
    {
        var reader = new Utf8JsonReader(number);
        reader.Read();
        if (reader.TryGetInt64(out long whole))
        {
            return whole > cap;
        }

        // Fractions and numbers beyond long: anything not provably within the cap is capped.
        return !reader.TryGetDouble(out double value) || double.IsNaN(value) || value > cap;
    }

    private static byte[] Number(long value) => JsonSplice.Json(w => w.WriteNumberValue(value));
}
