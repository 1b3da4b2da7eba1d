using System.Diagnostics.CodeAnalysis;

namespace Warden.Server.Billing;

/// <summary>The stored and command-line names of <see cref="PriceUnit"/>: image, audio_second, character, search_unit.</summary>
internal static class PriceUnitNames
{
    public static IReadOnlyList<string> All { get; } = ["image", "audio_second", "character", "search_unit"];

    public static string Name(PriceUnit unit) => unit switch
    {
        PriceUnit.Image => "image",
        PriceUnit.AudioSecond => "audio_second",
        PriceUnit.Character => "character",
        PriceUnit.SearchUnit => "search_unit",
        _ => throw new ArgumentOutOfRangeException(nameof(unit)),
    };

    /// <summary>A stored name (the tables' CHECK constraints admit only the four); anything else is a bug.</summary>
    public static PriceUnit Parse(string name) =>
        TryParse(name, out var unit) ? unit.Value : throw new InvalidOperationException($"'{name}' is not a price unit.");

    public static bool TryParse(string? name, [NotNullWhen(true)] out PriceUnit? unit)
    {
        unit = name switch
        {
            "image" => PriceUnit.Image,
            "audio_second" => PriceUnit.AudioSecond,
            "character" => PriceUnit.Character,
            "search_unit" => PriceUnit.SearchUnit,
            _ => null,
        };
        return unit is not null;
    }
}
