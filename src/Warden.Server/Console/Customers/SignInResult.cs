namespace Warden.Server.Console.Customers;

/// <summary>What a customer sign-in attempt came to; <see cref="Account"/> is set only when signed in.</summary>
internal sealed record SignInResult(SignInOutcome Outcome, CustomerAccount? Account)
{
    public static SignInResult Wrong { get; } = new(SignInOutcome.Wrong, null);

    public static SignInResult CodeNeeded { get; } = new(SignInOutcome.CodeNeeded, null);
}
