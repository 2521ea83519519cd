"""Tools beside the product: the demo, the bench and the drills (and the
partner kit's offline check, which needs the hub's standard). They may
import anything; nothing in the hub, the contract or the partner kit imports
them: ``carbon-hub`` finds their commands through entry points."""
