namespace Warden.Server.Console.Customers;

/// <summary>Argon2id's cost: memory in KiB, passes over it, and parallel lanes.</summary>
internal sealed record Argon2Parameters(int MemoryKiB, int Passes, int Lanes);
