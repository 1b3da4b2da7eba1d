namespace Warden.Core.Protection;

/// <summary>
/// Which placeholder stands for which value, for one request. It lives in memory for the request only: it has no
/// public way to read the values, is not serialisable, and nothing stores or logs it. A
/// <see cref="PlaceholderRestorer"/> reads it to put the values back into the answer.
/// </summary>
public sealed class PlaceholderMap
{
    private readonly Dictionary<string, string> _originals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Dictionary<(PersonalDataClass, string), string> _placeholders = [];

    public PlaceholderMap()
    {
        _lookup = _originals.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>How many distinct values were masked.</summary>
    public int Count => _originals.Count;

    internal int MaxPlaceholderLength { get; private set; }

    /// <summary>The placeholder for <paramref name="value"/>, the same each time for the same key, class and value.</summary>
    internal string PlaceholderFor(ReadOnlySpan<byte> conversationKey, PersonalDataClass kind, string value)
    {
        if (_placeholders.TryGetValue((kind, value), out string? known))
        {
            return known;
        }

        string placeholder = Placeholder.Create(conversationKey, kind, value, 5);
        if (_originals.TryGetValue(placeholder, out string? other) && other != value)
        {
            // Two values on 40 bits of the same HMAC: vanishingly rare; the longer id keeps them apart.
            placeholder = Placeholder.Create(conversationKey, kind, value, 10);
        }

        _originals[placeholder] = value;
        _placeholders[(kind, value)] = placeholder;
        MaxPlaceholderLength = Math.Max(MaxPlaceholderLength, placeholder.Length);
        return placeholder;
    }

    internal bool TryGetOriginal(ReadOnlySpan<char> placeholder, out string original)
    {
        bool found = _lookup.TryGetValue(placeholder, out string? value);
        original = value ?? "";
        return found;
    }
}
