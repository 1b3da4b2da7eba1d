namespace Warden.Server.Residency;

/// <summary>What happens to images and files (which no recogniser can read) in a request going abroad.</summary>
internal enum UninspectableAction
{
    Block,
    Allow,
}
