namespace Warden.Server.Routing;

/// <summary>Who may reach an address, and why (the special-purpose range it is in; null for a public address).</summary>
internal readonly record struct AddressVerdict(AddressReach Reach, string? Range)
{
    public static AddressVerdict Public { get; } = new(AddressReach.Public, null);
}
