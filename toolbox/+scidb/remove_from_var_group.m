function remove_from_var_group(group, variables)
%REMOVE_FROM_VAR_GROUP  Remove variables from a variable group of the current database.
%   scidb.remove_from_var_group(GROUP, VARS) removes VARS (as scidb.add_to_var_group
%   takes them) from the group GROUP; a group left without members is gone.
%   It calls the method of the same name of scidb.get_database().
%
%   Example:
%     scidb.remove_from_var_group('kinematics', 'StepTime');
%
%   See also scidb.add_to_var_group, scidb.get_var_group.

db = scidb.get_database();
db.remove_from_var_group(group, variables);
end
