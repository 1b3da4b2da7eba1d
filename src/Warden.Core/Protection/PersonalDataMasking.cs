using Warden.Core.Canonical;

namespace Warden.Core.Protection;

/// <summary>
/// The result of <see cref="PersonalDataDetector.Mask"/>: the request (the same instance, masked in place), what was
/// found in it, and the map a <see cref="PlaceholderRestorer"/> needs to put the values back into the answer.
/// </summary>
public sealed class PersonalDataMasking
{
    internal PersonalDataMasking(CanonicalRequest request, PersonalDataScan scan, PlaceholderMap map)
    {
        Request = request;
        Scan = scan;
        Map = map;
    }

    /// <summary>The request given to Mask, with every value found replaced by its placeholder.</summary>
    public CanonicalRequest Request { get; }

    /// <summary>Counts per class and of parts not inspected, as <see cref="PersonalDataDetector.Scan"/> would give.</summary>
    public PersonalDataScan Scan { get; }

    /// <summary>The placeholders and their values, in memory for this request only.</summary>
    public PlaceholderMap Map { get; }

    /// <summary>Whether anything was replaced (and so the answer needs restoring).</summary>
    public bool Masked => Map.Count > 0;
}
