namespace Warden.Server.Console.Customers;

/// <summary>
/// Failed customer sign-ins, counted like the operators' (<see cref="LoginThrottle"/>: per address and overall) and
/// also per account name: a password is far weaker than a 256-bit admin key, so guessing one account's password from
/// many addresses must stop too. A separate instance from the operators' throttle, so customers cannot lock operators out.
/// </summary>
internal sealed class CustomerLoginThrottle(TimeProvider time)
{
    private readonly LoginThrottle _throttle = new(time);

    public TimeSpan? RetryAfter(string address, string name)
    {
        var byAddress = _throttle.RetryAfter(address);
        var byName = _throttle.RetryAfter(NameKey(name));
        return byAddress is { } a && byName is { } n ? (a > n ? a : n) : byAddress ?? byName;
    }

    public void Failed(string address, string name)
    {
        _throttle.Failed(address);
        _throttle.Failed(NameKey(name));
    }

    public void Succeeded(string address, string name)
    {
        _throttle.Succeeded(address);
        _throttle.Succeeded(NameKey(name));
    }

    private static string NameKey(string name) => "name:" + name.Trim().ToLowerInvariant();
}
