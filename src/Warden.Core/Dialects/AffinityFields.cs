using System.Text;
using System.Text.Json;

namespace Warden.Core.Dialects;

/// <summary>The parts of a request body that cache affinity reads.</summary>
public enum AffinityPart
{
    Other,

    /// <summary>The system prompt, a value of its own (<c>system</c>, <c>instructions</c>, <c>systemInstruction</c>).</summary>
    System,

    /// <summary>A list whose first element is the first turn (<c>messages</c>, <c>contents</c>).</summary>
    FirstOfList,

    /// <summary>A list of role-tagged items, leading system messages first (OpenAI's <c>messages</c> and <c>input</c>).</summary>
    RoleList,

    /// <summary>The client's own cache key (<c>prompt_cache_key</c>).</summary>
    PromptCacheKey,
}

/// <summary>The top-level field names of one dialect's request that cache affinity reads, by part.</summary>
public sealed class AffinityFields
{
    private readonly (byte[] Name, AffinityPart Part)[] _fields;

    public AffinityFields(IReadOnlyList<string>? system = null, IReadOnlyList<string>? firstOfList = null, IReadOnlyList<string>? roleList = null, IReadOnlyList<string>? promptCacheKey = null)
    {
        var fields = new List<(byte[], AffinityPart)>();
        Add(fields, system, AffinityPart.System);
        Add(fields, firstOfList, AffinityPart.FirstOfList);
        Add(fields, roleList, AffinityPart.RoleList);
        Add(fields, promptCacheKey, AffinityPart.PromptCacheKey);
        _fields = [.. fields];
    }

    /// <summary>The part the property name under the reader names.</summary>
    public AffinityPart Classify(ref Utf8JsonReader reader)
    {
        foreach (var (name, part) in _fields)
        {
            if (reader.ValueTextEquals(name))
            {
                return part;
            }
        }

        return AffinityPart.Other;
    }

    private static void Add(List<(byte[], AffinityPart)> fields, IReadOnlyList<string>? names, AffinityPart part)
    {
        foreach (string name in names ?? [])
        {
            fields.Add((Encoding.UTF8.GetBytes(name), part));
        }
    }
}
