namespace Warden.Server.Keys;

internal enum KeyRole
{
    /// <summary>Calls the model endpoints.</summary>
    Client,

    /// <summary>Calls the admin API; cannot call models.</summary>
    Admin,
}
