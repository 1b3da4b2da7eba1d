namespace Warden.Server.Console.Customers;

/// <summary>A customer sign-in's outcome. Wrong covers a wrong password, an unknown or disabled account and a wrong code alike.</summary>
internal enum SignInOutcome
{
    SignedIn,
    Wrong,
    CodeNeeded,
}
