using System.Text;

namespace Warden.Core.Protection;

/// <summary>
/// What a scan of a request found: how many values of each class (occurrences, so a value repeated in a
/// conversation's history counts each time it travels) and how many parts could not be inspected (images, audio,
/// binary documents, files by reference, texts an operator pattern timed out on). No values are kept.
/// </summary>
public sealed class PersonalDataScan
{
    private readonly Dictionary<PersonalDataClass, int> _counts;

    internal PersonalDataScan(Dictionary<PersonalDataClass, int> counts, int notInspected)
    {
        _counts = counts;
        NotInspected = notInspected;
    }

    public static PersonalDataScan Empty { get; } = new([], 0);

    public IReadOnlyDictionary<PersonalDataClass, int> Counts => _counts;

    public int NotInspected { get; }

    /// <summary>Whether any personal data was found.</summary>
    public bool Found => _counts.Count > 0;

    public int Total => _counts.Values.Sum();

    /// <summary>
    /// The counts as receipts and the register write them: "class=count" joined by commas, built-in classes in
    /// their fixed order, then operator classes by name; empty when nothing was found. For example "cn_id=1,phone=2".
    /// </summary>
    public string Describe()
    {
        var builder = new StringBuilder();
        foreach (var kind in PersonalDataClass.BuiltIn)
        {
            Append(builder, kind);
        }

        foreach (var kind in _counts.Keys.Where(k => k.IsCustom).OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            Append(builder, kind);
        }

        return builder.ToString();
    }

    public override string ToString() => Describe();

    private void Append(StringBuilder builder, PersonalDataClass kind)
    {
        if (_counts.TryGetValue(kind, out int count))
        {
            builder.Append(builder.Length == 0 ? "" : ",").Append(kind.Name).Append('=').Append(count);
        }
    }
}
