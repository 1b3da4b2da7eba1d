namespace Warden.Server.Routing;

/// <summary>The in-memory alias table, by alias name.</summary>
internal sealed class AliasCatalog() : KeyedCatalog<ModelAlias>(alias => alias.Name)
{
    public ModelAlias? Find(string name) => Get(name);

    public void Replace(IEnumerable<ModelAlias> aliases) => Swap(aliases);
}
