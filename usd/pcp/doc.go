// Package pcp composes layers into prim indexes: the ordered list of
// opinions (layer stack, path, time offset) that make up each prim of a
// stage. It follows OpenUSD's Pcp (pxr/usd/pcp, primIndex.cpp unless said
// otherwise); it knows nothing of value resolution or the stage API (the
// usd package) and nothing of file formats (usd/sdf and its readers).
//
// Each rule below names the OpenUSD function it follows.
//
// Layer stacks (layerStack.cpp, PcpComputeLayerStack): a root layer (with
// the session layer in front) and its sublayers, strongest first, each
// with the offset that maps its time to the root's, timeCodesPerSecond
// scaling included (an authored timeCodesPerSecond, else framesPerSecond,
// is used as it is, zero and negative values included, as
// SdfLayer::GetTimeCodesPerSecond returns it); a sublayer cycle is a
// SublayerCycle error, a missing sublayer an InvalidSublayerPath error.
//
// Graph and strength (Pcp_BuildPrimIndex, _BuildInitialPrimIndexFromAncestor,
// PcpCompareSiblingNodeStrength): a prim's index starts as a clone of its
// parent's graph with every site moved to the child (ancestral opinions),
// then each node's arcs are added as children, siblings ordered by
// PcpArcType (inherit, variant, relocate, reference, payload, specialize:
// an ancestral variant node is stronger than the relocation node added
// beside it, rule variant-stronger-than-relocate), then by
// namespace depth of the arc's introduction (deeper is stronger), then by
// the strength of the origin, then by authored order. Specializes are
// placed after everything else (_PropagateSpecializesTreeToRoot: each
// specializes node below the root is copied to the root with itself as
// the copy's origin), ordered among themselves as
// PcpCompareSiblingNodeStrength orders specializes siblings
// (strengthOrdering.cpp): origin roots that are not nested by namespace
// depth (a copy's is the path depth of the prim whose index made it: one
// made in an ancestor prim's index keeps the ancestor's; rule layer
// specialize-copy-keeps-ancestor-namespace-depth); for the same origin, the implied node before the propagated
// one; for different origin roots, by the graph's strength order; for
// the same origin root, by the namespace depth of the instance of the
// origin's class hierarchy (shallower first), the length of the origin
// chain (longer first), an implied node of the root's layer stack before
// a propagated one, the strength of the origins, then authored order.
// That comparison is no strict weak order, so, as Pcp inserts each copy
// among the root's children when it makes it
// (PcpPrimIndex_Graph::_InsertChildInStrengthOrder: first if stronger
// than the first, last if not stronger than the last, else before the
// first it is stronger than), the copies are inserted in the order their
// specializes were added; a culled copy takes no place. The copy is added
// with skipDuplicateNodes, so the subgraph it brings for a target below a
// root prim skips sites already in the graph, the target's own arcs
// included (rule layer specialize-copy-ancestral-opinions-skip-duplicates). A
// specialized hierarchy moved to the root merges into the root's child
// at the same site, node by node down the matching children, and those
// nodes contribute once, where the root's child is (_PropagateNodeToParent,
// _FindMatchingChild); other nodes of a hierarchy contribute where they
// are, even at a site the index already has (Pcp matches only among the
// children of the node a copy goes under).
//
// Sub-root arcs (_AddArc with includeAncestralOpinions,
// PcpPrimIndex_StackFrame): an arc to a prim below the root of its layer
// stack also brings the opinions of that prim's namespace ancestors' arcs.
// The target site's whole index (its ancestors' arcs and its own, but not
// its variants, decided once attached) is built afresh inside a frame that
// links it to the graph it will join (not taken from the cache: what is a
// cycle depends on that outer graph); the site's own arcs are thus
// evaluated before weaker arcs of the outer graph and not again
// (skipTasksForExpressedArcs), which decides which of two arcs to one
// site is skipped as a duplicate. The subgraph's root becomes the arc's node
// (PcpPrimIndexOutputs::Append), so arcs authored on it have that node as
// their origin. The ancestor of a site inside a variant is the
// variant selection site (/A{v=x}B's is /A{v=x}), built alone rather than
// from its own parent: its ancestral opinions came with the variant arc
// (Pcp_BuildPrimIndex).
//
// Cycles (_CheckForCycle, _HasAncestorCycle): an arc whose target site is
// in the same layer stack as a node on the path from the arc's parent to
// the root, where either path is a namespace prefix of the other, is not
// added and is an ArcCycle error of the prim. The walk continues across
// frames, with the target path moved as the subgraph's root moves to the
// path requested of it: the requested path with the root's path replaced
// by the target (an arc to /P found building /M for /M/y is checked as
// /P/y; rule layer arc-cycle-target-moves-with-requested-site). Variant arcs are never cycles, nor are implied
// class arcs under a relocation. A specialize below the root stands for
// its copy at the root, where Pcp evaluates its arcs: the walk goes from
// it (or from the frame of its ancestral opinions) straight to the root
// (_FindAncestorCycleInParentGraph on the copy; rule layer
// specialize-arcs-cycle-checked-at-root-copy); only the outermost
// specialize of a chain jumps, which keeps nested copies from hiding
// each other's cycles. Besides, an index is bounded (64 nested frames,
// 2048 nodes, arc targets 64 namespace levels deep): past that it is an
// IndexCapacityExceeded error (PcpErrorIndexCapacityExceeded), never
// unbounded growth.
//
// Errors (PcpPrimIndexOutputs::Append): errors found while building a
// subgraph belong to the prim whose index needed it. Their site is Pcp's
// root site (errors.go): the prim, or, for an error found on a sub-root
// arc's target, that target's path, which Pcp indexes in a frame of its
// own (node.GetRootNode(); InvalidAssetPath, OpinionAtRelocationSource);
// "/" for a layer stack's errors; none for variable expression errors
// (Pcp_EvaluateVariableExpression). OpinionAtRelocationSource is one per
// layer with a spec at a relocation's source, at the prim whose index adds
// the relocation (_EvalNodeRelocations); ArcToProhibitedChild is a
// sub-root arc (relocations included) whose subgraph, once its namespace
// ancestors' opinions are in, has a contributing node at a relocation
// source of that node's layer stack (a variant node never is one; an arc
// to a relocation source whose node is inert, below an instance, is
// none: no error, rule layer arc-to-relocation-source-below-instance):
// the subgraph is elided, and the arc still counts as resolved by the
// specs of the culled nodes (_ElidePrimIndexIfProhibited,
// _ComposeIsProhibitedPrimChild, reporting only for an arc's target,
// _PrimSpecExistsUnderNodeAtIntroduction), also when the prohibited site
// is a namespace ancestor of the arc's target: the target's subgraph is
// cloned from the ancestor's unfinalized graph, culled nodes included
// (rule arc-to-child-of-relocation-source-resolved-by-culled-nodes).
// UnresolvedPrimPath is checked last, for the prim whose index is built,
// on each reference and payload node added for it (those of merged
// sub-root subgraphs included, culled ones too), never inside a
// subgraph's own build; a node introduced at this prim counts the
// has-specs bits of its subtree, which are the sites' whatever the nodes
// may contribute (inert, culled and relocation nodes alike), one introduced at
// an ancestor of its target the specs at each node's path at
// introduction, and the inert placeholder Pcp adds at the pseudo-root
// "/" for an arc to a layer without defaultPrim always has one
// (_EvalUnresolvedPrimPathError, AddTasksForNode,
// _PrimSpecExistsUnderNodeAtIntroduction; rule layer
// unresolved-prim-path-checked-at-introduction). The stage reports the
// errors of the indexes UsdStage computes: not those of the children of
// an instance that is not its prototype's source (the first instance
// registered, in the order of the parallel indexer on one thread: depth
// first, siblings last to first; UsdStage's _NameChildrenPred,
// Usd_InstanceCache; rule layer errors-only-of-indexed-prims). A reference, payload or sublayer
// offset that is not finite, has no finite inverse or has a scale below
// or (for arcs) equal to 0 is InvalidReferenceOffset /
// InvalidSublayerOffset, and no offset is used (SdfLayerOffset::IsValid).
//
// Layer stack relocates (Pcp_ComputeRelocationsForLayerStack, USD mode):
// layer metadata only, strongest layer first; a relocate invalid on its
// own (Pcp_IsValidRelocatesEntry, a root prim source) is
// InvalidAuthoredRelocation, one target for several sources
// InvalidSameTargetRelocations, a target that is (below) another's source
// or a source below another's InvalidConflictingRelocation; all are
// dropped. Owned sublayers (_ApplyOwnedSublayerOrder): under a layer with
// hasOwnedSubLayers, the sublayer whose owner is the session layer's
// sessionOwner is strongest among its siblings; two are
// InvalidSublayerOwnership.
//
// References and payloads (_EvalRefOrPayloadArcs): list ops composed over
// the layer stack; an empty asset path is an internal arc; no prim path
// means the target layer's defaultPrim (UnresolvedPrimPath without one,
// and an inert placeholder arc to the layer's pseudo-root);
// the arc's offset composes with the authoring layer's offset and, for
// external arcs, the ratio of timeCodesPerSecond. A reference or payload
// whose target subtree has no prim spec is UnresolvedPrimPath
// (_EvalUnresolvedPrimPathError, _PrimSpecExistsUnderNode). The list ops
// tell items apart by the asset path anchored to the authoring layer, so
// one relative path written in sublayers of two directories is two arcs
// (PcpComposeSiteReferences). Under a UsdStage the root layer stack always
// includes a session layer, so an arc to the stage's own root layer enters
// a layer stack of its own (Cache.StageRootLayerStack). An asset path
// that is a variable expression (sdf.EvalVariableExpression) takes the
// node's layer stack's variables overridden by those of the layer stacks
// that refer to it, across sub-root arcs' frames too
// (PcpLayerStackIdentifier's expressionVariablesOverrideSource; rule
// layer sub-root-arc-ancestral-expression-variables).
//
// Invalid arc paths (_EvalRefOrPayloadArcs, _AddClassBasedArcs): a
// reference or payload prim path that is not an absolute prim path
// without variant selections, or an inherit or specialize path that is not
// a prim path without them, is InvalidPrimPath and adds no arc (usda
// refuses such paths, a crate layer can hold them;
// TestArcToInvalidPrimPathAddsNoNode).
//
// Inherits and specializes (_AddClassBasedArcs, _AddClassBasedArc,
// _DetermineInheritPath): a class arc's map function maps the class to
// the instance, with the root identity; the class path is the node's path
// mapped back across it, variant selections kept. Map functions follow
// PcpMapFunction (mapFunction.cpp): path pairs, the longest source prefix
// wins, a path that would not map back the same way does not map,
// Compose and GetInverse as there.
//
// Implied classes (_EvalImpliedClasses, _EvalImpliedClassTree,
// _GetImpliedClass): every new class node queues its class hierarchy's
// start, and a node that brings a subgraph with class children queues
// itself (Pcp_PrimIndexer::AddTasksForNode); once no other arc is pending,
// the queued node first in a post-order walk of the graph in strength
// order is taken: descendants before ancestors (Task::PriorityOrder),
// siblings strongest first (usd-core 26.11's PCP_PRIM_INDEX debug output;
// rule layer implied-classes-descendants-first-then-strength-order). Its class
// children are implied to its parent through its map function plus the
// root identity, nested classes recursively; the arc that continues the
// instance's own class chain is skipped. The culled subgraph of an arc to
// a prohibited child is walked too (culled nodes stay in Pcp's graph until
// it is finalized; rule implied-class-from-prohibited-subgraph). An implied class whose map
// function is the root identity alone (a class at or under the transfer's
// target) has no site and adds nothing, not even a placeholder
// (usd-core 26.11's _AddClassBasedArc: "No appropriate site"). A relocation node takes the
// classes of its source's subgraph, which then move up from it with the
// relocation's map ("spooky" inherits: Pcp builds that subgraph with the
// source as its root, so they are implied onto it there;
// TrickySpookyInherits), except a class whose site there lies at or below
// a relocation source, which passes on to the relocation node's parent
// (the XXX:RelocatesSourceNodes branch of _EvalImpliedClassTree;
// TrickyInheritsAndRelocates). The implied map function is the class arc's
// with both paths of each pair mapped through the transfer function (a
// pair whose class does not map is dropped, one whose instance does not
// map becomes a block), plus the pair the class arc implies at each source
// of the transfer under one of its instances: this is usd-core 26.11's
// PcpMapExpression::ImpliedClass, inferred from it and checked against it
// on random map functions (earlier releases composed transfer, class and
// inverse transfer, which implies a class at its own instance). A class
// already there for the site is reused (_FindMatchingChild); a class that
// maps to the parent's own site or to the site it is implied from is a
// placeholder that contributes nothing but keeps propagating; an implied
// class skips sites already in the graph or the graphs of outer frames
// (skipDuplicateNodes, the path moved from each subgraph's root to its
// requested site) and, below the root, brings its ancestral opinions in a
// frame that skips them too. Authored inherits and specializes skip
// such sites as well. Arcs are evaluated by kind over the whole graph,
// in usd-core 26.11's task order (Task::Type, Task::PriorityOrder; its
// PCP_PRIM_INDEX debug output): relocations, references, payloads,
// inherits and specializes of every node, then implied classes; tasks
// of one kind run in node index order (the graph cloned from the parent
// prim in its strength order, then the nodes added since, in the order
// they were added). So an inherit of a site a payload brings is
// skipped, and so is a specialize of a site an inherit of an inherit
// brings. In usd-core 26.11 a specialize below the root, authored or
// implied, is a placeholder where it is added (rule layer
// implied-specialize-below-root-is-placeholder), with a contributing copy at the
// root that skips duplicate sites (its PCP_PRIM_INDEX debug output);
// here the node stands for that copy, and when the copy would be
// skipped it stays as the placeholder alone, implying its class but
// bringing no opinions (rule layer
// specializes-after-inherits-placeholder-below-root). In a subgraph built
// for a sub-root arc every specialize, one on the subgraph's root too, is
// such a placeholder and no copy is made there: the outer index makes
// the copies once the subgraph is attached, after all its inherits and
// specializes (Task::EvalImpliedSpecializes), skipping sites already in
// the graph, so until then the specialize keeps no site from an
// authored inherit or specialize (rule layer
// specialize-in-subgraph-copied-after-inherits); an implied one still
// skips sites in the graph, and its ancestral opinions too. A class
// hierarchy starts at the instance that
// inherits it, or, when that instance is itself a class reached through an
// ancestral class arc whose class is not a namespace child of the
// ancestral class, at the start of the ancestral hierarchy
// (_FindStartingNodeForImpliedClasses,
// Pcp_FindStartingNodeOfClassHierarchy; TrickyNestedClasses). A node's
// namespace depth is its parent's path depth when it was added, so depth
// below introduction is the parent's depth minus it
// (PcpNodeRef::GetDepthBelowIntroduction).
//
// Relocations (_EvalNodeRelocations, _ElideSubtree,
// _ElideRelocatedSubtrees): a prim at a relocation's target gets a node
// for the source site; the source's own specs do not contribute (salted
// earth), nor do the arcs authored there (the relocation node cannot
// contribute specs, and Pcp evaluates no arc or variant set of such a
// node: _EvalNodeReferences and the others), but what its ancestors'
// arcs bring does; the target's ancestral arcs other than variants
// are elided (a "squatter" spec at the target in a referenced layer is
// ignored); under the source node, nodes whose site is itself relocated
// elsewhere are elided; relocated-away children are not listed as
// children of the source's parent, and a relocation's target is listed
// as a child of its parent whether or not anything arrives there
// (_ComposePrimChildNamesAtNode), the pseudo-root included: a root prim
// target of the root layer stack's relocates is a prim, an over with no
// opinions when the source is a prohibited child (rule
// relocation-target-root-prim-named). The relocation node is added inert,
// restricted at the source's path element count (PcpNodeRef::SetInert,
// _RecordRestrictionDepth): a variant set authored at the source or below
// is none of its ancestral variant sets, also once it is cloned into a
// child's index that another arc merges as a subgraph
// (_NodeCanContributeAncestralOpinions; rule relocate-restricted-depth).
// Likewise the node of an arc to a prohibited child, made inert by
// _ElidePrimIndexIfProhibited, is restricted at its site's depth: once
// cloned into a child's index it gives no variant selection authored at
// its site's descendants (_ComposeVariantSelectionAcrossNodes; rule
// prohibited-arc-gives-no-selection). So is any node added inert as a
// placeholder that contributes no specs (an implied class whose site the
// index has already, _AddArc with directNodeShouldContributeSpecs false):
// a selection authored at its site or below counts for no set (rule
// inert-class-gives-no-selection).
// A relocation node is implied to each weaker-to-stronger layer
// stack up the graph as an inert node at the source mapped across each
// arc (_EvalImpliedRelocations); its site contributes no opinions, but a
// variant selection authored there counts (see Variants).
//
// Child names (PcpPrimIndex::ComputePrimChildNames, _ComposePrimChildNames,
// _ComposePrimChildNamesAtNode, PcpComposeSiteChildNames): the nodes that
// can contribute specs, weakest first; at each, the relocates of its
// layer stack apply to the names composed so far (a child relocated to a
// sibling name is renamed in place, unless a weaker node already has that
// name; one relocated elsewhere is removed; both source names are
// prohibited), children relocated here from another parent are appended
// in lexicographic order whether or not their source has a spec, and then
// the node's layers' primChildren and primOrder, weakest layer first.
// Prohibited names are dropped at the end. A relocate renames only a name
// already composed, so one whose source child comes from the same node (or
// from nowhere) renames nothing. No relocate applies at a variant node:
// relocate paths have no variant selections. The stage lists every name
// (UsdStage::_ComposeChildren), even one with no spec.
//
// Instancing (_BuildInitialPrimIndexFromAncestor,
// Pcp_DisableNonInstanceableNodesVisitor, Pcp_PrimIndexIsInstanceable;
// instancing.h): under a UsdStage (Cache.Instancing), a child of an
// instance (a prim whose strongest contributing instanceable opinion is
// true and that has a node with specs brought by a direct arc or below
// one, Pcp_ChildNodeIsInstanceable) starts from the instance's graph with
// every node that is not instanceable there made inert: the local root
// and the ancestral nodes. Inert nodes add no arcs and no variant sets,
// and a selection authored on one at or below the depth where it was made
// inert does not count (PcpNodeRef::GetSpecContributionRestrictedDepth,
// _NodeCanContributeAncestralOpinions); culled (elided) nodes give none at
// all. Such nodes stay in the index, so UsdVariantSets::GetNames (usd
// package) still lists the variant sets authored there; the stage
// filters nothing more below an instance. In a sub-root arc's frame,
// where the ancestor's graph has no variants yet, specializes do not
// make it an instance either (inferred from usd-core 26.11). An inert
// node's specs still resolve the arc that brought it: no
// UnresolvedPrimPath (_PrimSpecExistsUnderNode reads the has-specs bit).
// An instance's own child names come from its instanceable nodes only,
// weakest first (PcpPrimIndex::ComputePrimChildNames for an instanceable
// index, _ComposePrimChildNamesForInstance,
// Pcp_TraverseInstanceableWeakToStrong). InstanceKey is PcpInstanceKey:
// the instanceable nodes strong to weak (arc type, site, time offset to
// the root; a subtree pruned at each unless the index has a payload) and
// the strongest variant selection per set over the contributing nodes;
// an implied class added for the prim counts as a direct arc there.
//
// Culling (PcpComputePrimIndex with inputs.cull, _CullSubtreesWithNoOpinions,
// _NodeCanBeCulled): a stage prim's finished index culls each node below
// the one that introduced its arc whose subtree is culled and which has no
// spec it can contribute (an inherit of the root layer stack whose origin
// was introduced below a root prim stays); the root and the nodes of arcs
// authored at this level stay. A child's index, cloned from it, does not
// have them (Finalize removed them): they give no child names and their
// relocations prohibit nothing. Every prim index, not only a sub-root
// arc's, is then checked against the relocation-source salted earth
// policy once its ancestors' opinions are in (_ElidePrimIndexIfProhibited
// in Pcp_BuildPrimIndex; an error only for an arc's target); a stage prim
// meets it below an instance, whose names come from instanceable nodes
// while a non-instanceable node below an instanceable one stays active.
//
// Variants (Task::PriorityOrder, _EvalNodeVariantSets,
// _EvalNodeAuthoredVariant, _EvalNodeFallbackVariant, RetryVariantTasks):
// after every other arc, variant sets are decided one at a time, the
// strongest node first and on one node in variantSets order. A set takes
// the selection already made for a set of that name in the index
// (_FindPriorVariantSelection), else the strongest selection authored on
// any node of the index, variant nodes included
// (_ComposeVariantSelectionAcrossNodes; variable expressions evaluated
// with the node's layer stack's expression variables,
// expressionVariables.cpp; an undefined variable inside a string stays as
// written, so a selection may hold braces: LastVariantSelection reads it
// from the '{' matching the path's final '}'); an authored "" selects no variant unless a
// fallback applies (_ShouldUseVariantFallback: an empty selection defers
// to the fallback). A set with no authored selection, or with "", waits;
// only when no waiting set has one does the strongest waiting set get the
// first of the cache's fallbacks for it that names one of its variants at
// the node's site (_ChooseBestFallbackAmongOptions over
// PcpComposeSiteVariantSetOptions, PcpCache::SetVariantFallbacks).
// Every variant arc added restarts the round (its arcs, then the waiting
// sets), so a selection authored inside a stronger variant, or in a class
// or reference it brings, drives a set whatever the order variantSets
// lists them in.
//
// Targets and connections (PcpBuildTargetIndex, targetIndex.cpp, as
// UsdProperty::_GetTargets calls it: no cache for validation, so no
// permission, relocation or instance check): each node's path list op is
// applied weakest first, each path translated by
// PcpTranslatePathFromNodeToRoot (pathTranslation.cpp): variant
// selections stripped, then the node's map function to the root
// (PcpNodeRef::GetMapToRoot, the composition of each node's map to its
// parent). A path that does not map is dropped, deleted ones included.
// An arc's map to its parent is its pair composed with the relocations
// of the parent's layer stack at and below the arc's target path
// (_CreateMapExpressionForArc, PcpLayerStack::GetExpressionForRelocatesAtPath,
// _FilterRelocationsForPath: combined relocations keyed by their source's
// origin, then authored ones whose target is not mapped yet, and the root
// identity), plus the root identity for class arcs and internal
// references and payloads; relocation and variant nodes map by the
// identity, so a target authored in the root layer stack keeps its
// pre-relocation path; an implied class maps by the implied function of
// its class arc's map with relocations (_GetImpliedClass). In usd-core
// 26.11 the relocations of an external reference or payload stay a
// deferred composition (PcpMapFunction::DeferredComposition: the arc's
// pair, then the relocations), and a map to the root that meets one
// chains the sets of its nodes instead of composing them into one
// function: a path is mapped through each set in turn, each with its own
// bijection check (inferred from usd-core's GetMapToRoot, which prints
// "N mapping sets", and MapSourceToTarget; museum
// ErrorInvalidInstanceTargetPath). AddRootIdentity collapses the sets, so
// class and internal arcs, and implied classes, map by one function.
//
// Instancing inside subgraphs (instancing rules above, applied where Pcp
// builds the graph of a sub-root arc's target, Pcp_BuildPrimIndex from
// _AddArc): the target's parent graph is restricted like any instance
// child's, root included, so a prim that references, inherits or
// specializes a prim below an instance gets only the instance's arcs'
// opinions there; that parent graph has no variants yet
// (evaluateVariantsAndDynamicPayloads false), so they do not make it an
// instance. Rule layer instance-restricts-arcs-below-it.
//
// Specializes at the root (_PropagateNodeToParent, _FindMatchingChild):
// a specializes arc authored on the prim itself is at the root before
// any hierarchy is moved there (specializes tasks come after every other
// arc), so a moved hierarchy at the same site merges into it and
// contributes with its map and time offset
// (TestSpecializesPropagatedIntoDirectArcKeepsItsOffset).
//
// Ancestral variants (Pcp_BuildPrimIndex with
// evaluateVariantsAndDynamicPayloads false, _AddArc,
// _EvalNodeAncestralVariantSets, _AddAncestralVariantArc,
// _ComposeVariantSelection): a subgraph built for a sub-root arc (the
// arc's target's namespace ancestors) evaluates no variants at all. Once
// it is attached to a prim's index, each of its nodes queues the variant
// sets authored at the namespace ancestors of its site, up to the nearest
// variant selection, skipping the depths where the node was restricted;
// those are decided after every other arc and implied class, before the
// nodes' own variant sets, strongest node first, shallower site first,
// then authored order, authored selections before fallbacks (Task::Type,
// Task::PriorityOrder). A selection is found by mapping the set's prim
// path up from the node to the root or the closest node it maps to
// (Pcp_TranslatePathFromNodeToRootOrClosestNode), then walking that node's
// subtree in strength order with the path mapped into each node: a
// variant node that already selects the set for that prim wins
// (_FindPriorVariantSelection), else the first selection authored there
// on a node that may give one (_ComposeVariantSelectionAcrossNodes;
// variant nodes read it inside their variant). So a selection authored in
// the referencing layer stack at the parent of a relocation source drives
// the relocated prim ("spooky" selections, TrickySpookyVariantSelection),
// and one authored on a class reaches an instance's ancestral variant
// through the implied class's map function
// (TrickySpookyVariantSelectionInClass). The ancestral variant arc's site
// is the node's with the selection inserted after the set's prim
// (/LegRig{LegRigStyle=1Leg}Anim), its namespace depth the set's prim's,
// and it brings the opinions of that variant's namespace ancestors in a
// subgraph of its own, skipping duplicate sites below a class arc
// introduced at the node's depth.
package pcp
