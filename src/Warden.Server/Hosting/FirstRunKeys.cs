namespace Warden.Server.Hosting;

/// <summary>The keys created on first start, to print once.</summary>
internal sealed record FirstRunKeys(string AdminKey, string DemoKey)
{
    public override string ToString() => "FirstRunKeys { (hidden) }";
}
