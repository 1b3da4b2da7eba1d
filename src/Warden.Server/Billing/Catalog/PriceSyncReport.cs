namespace Warden.Server.Billing.Catalog;

/// <summary>What applying a catalog did, model by model.</summary>
internal sealed class PriceSyncReport(string catalogVersion)
{
    public string CatalogVersion { get; } = catalogVersion;

    /// <summary>Models that had no price and got the catalog's.</summary>
    public List<string> Added { get; } = [];

    /// <summary>Catalog-owned prices that the catalog changed (a new version).</summary>
    public List<string> Changed { get; } = [];

    /// <summary>Catalog-owned prices already equal to the catalog's.</summary>
    public List<string> Unchanged { get; } = [];

    /// <summary>Models whose price an operator set: never touched by a catalog.</summary>
    public List<string> KeptOperatorPrice { get; } = [];
}
