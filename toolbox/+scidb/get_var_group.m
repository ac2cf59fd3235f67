function members = get_var_group(group)
%GET_VAR_GROUP  The variables of a variable group of the current database.
%   G = scidb.get_var_group(GROUP) is a 1-by-N cell of instances of the group's variable
%   types, sorted by name; each classdef must be on the path. G serves as the inputs of
%   scidb.for_each (each is the input named after its variable).
%   It calls the method of the same name of scidb.get_database().
%
%   Example:
%     vars = scidb.get_var_group('kinematics');
%     for k = 1:numel(vars)
%         data = vars{k}.load('subject', 1);
%     end
%
%   See also scidb.add_to_var_group, scidb.list_var_groups, scidb.for_each.

db = scidb.get_database();
members = db.get_var_group(group);
end
